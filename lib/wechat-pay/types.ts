// The app's own view of WeChat Pay. Everything outside lib/wechat-pay/ works with these types only.

/** Where a payment stands, from the app's point of view. */
export type PaymentStatus = 'PENDING' | 'PAID' | 'FAILED' | 'CLOSED';

/** WeChat's trade_state, kept for logs and support; decisions use `status`. */
export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';

export type WechatTransaction = {
  outTradeNo: string;
  /** WeChat's id; absent until the user has paid. */
  transactionId?: string;
  status: PaymentStatus;
  tradeState: TradeState;
  /** Order amount (`amount.total`): the figure to compare with our order, never `payerTotalFen`. */
  amountFen: number;
  /** What the payer actually paid, after any WeChat-side discount. */
  payerTotalFen?: number;
  mchid: string;
  appid: string;
  successTime?: Date;
  attach?: string;
};

export type NativeOrderInput = {
  /** A new one for every payment attempt: 6–32 characters of [0-9A-Za-z_*-]. */
  outTradeNo: string;
  /** Shown to the payer; 1–127 characters. */
  description: string;
  amountFen: number;
  /** When the QR code stops being payable; sent as China time (+08:00). */
  timeExpire: Date;
  /** Public URL without a query string (https in production). */
  notifyUrl: string;
  /** Echoed back in query results and notifications; at most 128 characters. */
  attach?: string;
};

export type NativeOrder = {
  /** The `weixin://wxpay/bizpayurl?pr=…` link to render as a QR code. */
  codeUrl: string;
};

export type PaymentNotification = {
  /** WeChat's notification id (`EV-…`); the same payment may be notified more than once. */
  notificationId: string;
  eventType: string;
  transaction: WechatTransaction;
};

/**
 * Where a refund stands at WeChat. PROCESSING until the money is back with the payer (SUCCESS) or the refund
 * is closed (CLOSED, a failure); ABNORMAL (the payer's card is gone, say) is not final: it needs handling in
 * the merchant platform or the abnormal-refund API, after which it can still succeed.
 */
export type RefundStatus = 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';

export type WechatRefund = {
  refundId: string;
  outRefundNo: string;
  transactionId: string;
  outTradeNo: string;
  status: RefundStatus;
  /** What was asked back (`amount.refund`). */
  refundFen: number;
  /** The order's amount (`amount.total`). */
  totalFen: number;
  /** What reaches the payer, after any WeChat-side discount that isn't refunded in cash. */
  payerRefundFen?: number;
  payerTotalFen?: number;
  /** When WeChat accepted the refund; not in notifications. */
  createTime?: Date;
  /** Only once status is SUCCESS. */
  successTime?: Date;
  /** ORIGINAL, BALANCE, OTHER_BALANCE, OTHER_BANKCARD; not in notifications. */
  channel?: string;
  /** Where the money went, as WeChat words it ("支付用户零钱", "招商银行信用卡0403"…). */
  userReceivedAccount?: string;
  /** Which of the merchant's accounts paid it (UNSETTLED, AVAILABLE…); not in notifications. */
  fundsAccount?: string;
};

export type RefundInput = {
  /** The paid order to refund. */
  outTradeNo: string;
  /**
   * 1–64 characters of [0-9A-Za-z_-|*@], one per refund. Retrying a failed or unanswered refund must reuse
   * it: WeChat refunds each out_refund_no at most once.
   */
  outRefundNo: string;
  /** Shown in the payer's refund message; at most 80 bytes of UTF-8. */
  reason?: string;
  refundFen: number;
  /** The order's amount, as WeChat knows it; refundFen may not exceed it. */
  totalFen: number;
  /** Where WeChat sends the refund's outcome: public, https, no query string. */
  notifyUrl: string;
};

export type RefundNotification = {
  /** WeChat's notification id; the same refund may be notified more than once. */
  notificationId: string;
  /** REFUND.SUCCESS, REFUND.ABNORMAL or REFUND.CLOSED. */
  eventType: string;
  refund: WechatRefund;
};

/**
 * One line of the daily trade bill (bill_type ALL): a payment (tradeState SUCCESS) or a refund (REFUND,
 * with the payment's ids and the refund's). Text fields are as WeChat writes them, "" where it leaves
 * them empty; WeChat writes "0" for the refund ids of a payment and for subMchid of a direct merchant.
 * Amounts are integer fen.
 */
export type TradeBillRow = {
  /** When the payment succeeded, or when the refund was requested (not when it succeeded). */
  tradeTime: Date;
  appid: string;
  mchid: string;
  subMchid: string;
  deviceInfo: string;
  transactionId: string;
  outTradeNo: string;
  openid: string;
  tradeType: string;
  /** SUCCESS for a payment, REFUND for a refund, REVOKED for a cancelled payment. */
  tradeState: string;
  bankType: string;
  currency: string;
  /** 应结订单金额: the order amount minus non-cash coupons; 0 on refund lines. */
  settlementTotalFen: number;
  couponFen: number;
  refundId: string;
  outRefundNo: string;
  refundFen: number;
  couponRefundFen: number;
  refundType: string;
  /** The refund's status when the bill was made; it isn't updated later (query the refund for that). */
  refundStatus: string;
  body: string;
  attach: string;
  /** WeChat's fee; negative on refund lines, where the fee is given back. */
  feeFen: number;
  /** As written, e.g. "0.60%". */
  rate: string;
  orderAmountFen: number;
  requestedRefundFen: number;
  rateNote: string;
};

/** The bill's closing totals, as WeChat states them (checked against the rows when parsed). */
export type TradeBillSummary = {
  totalCount: number;
  settlementTotalFen: number;
  refundFen: number;
  couponRefundFen: number;
  /** Net of fees given back on refunds: may be negative. */
  feeFen: number;
  orderAmountFen: number;
  requestedRefundFen: number;
};

export type TradeBill = {
  /** `YYYY-MM-DD`, China time. */
  billDate: string;
  rows: TradeBillRow[];
  summary: TradeBillSummary;
};

export type TradeBillOptions = {
  /** Ask WeChat for a gzip file (smaller to download); the adapter unpacks it. */
  tarType?: 'GZIP';
};

export type TradeBillDownload = {
  /** Valid for a short time only (30 s to 5 min): download right away. */
  downloadUrl: string;
  hashType: 'SHA1';
  /** SHA-1 of the bill as text, before any gzip. */
  hashValue: string;
};
