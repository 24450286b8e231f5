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
