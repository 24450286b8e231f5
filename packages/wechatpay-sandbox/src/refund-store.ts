// In-memory refunds (退款单), one merchant, keyed by out_refund_no as WeChat keys them.

type RefundStatus = 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';
export type FinalRefundStatus = Exclude<RefundStatus, 'PROCESSING'>;

export const FINAL_REFUND_STATUSES = ['SUCCESS', 'ABNORMAL', 'CLOSED'] as const;

export interface RefundFrom {
  account: 'AVAILABLE' | 'UNAVAILABLE';
  amount: number;
}

export interface Refund {
  outRefundNo: string;
  /** 29 digits like WeChat's: 50 + 8 digits + Beijing date + 11 digits. */
  refundId: string;
  outTradeNo: string;
  transactionId: string;
  reason: string | undefined;
  /** Resolved when the refund is accepted: the request's notify_url, else the merchant's configured one. */
  notifyUrl: string | undefined;
  fundsAccount: 'UNSETTLED' | 'AVAILABLE';
  /** Fen. */
  refund: number;
  /** The order's amount, in fen. */
  total: number;
  currency: 'CNY';
  from: RefundFrom[] | undefined;
  /** Fen of the payment's fee returned with this refund. */
  refundFee: number;
  /** Canonical JSON of what a repeated request must match to be the same refund. */
  paramsKey: string;
  status: RefundStatus;
  createdAtMs: number;
  successAtMs?: number;
  /** `portal`: made by the sandbox as a merchant would in WeChat's merchant portal, not through the API. */
  source: 'api' | 'portal';
  /** Accepted while refunds were held: stays PROCESSING until released or given an outcome. */
  held: boolean;
}

export class RefundStore {
  private readonly byOutRefundNo = new Map<string, Refund>();

  add(refund: Refund): void {
    this.byOutRefundNo.set(refund.outRefundNo, refund);
  }

  get(outRefundNo: string): Refund | undefined {
    return this.byOutRefundNo.get(outRefundNo);
  }

  /** Newest first. */
  list(): Refund[] {
    return [...this.byOutRefundNo.values()].sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  ofOrder(outTradeNo: string): Refund[] {
    return this.list().filter((refund) => refund.outTradeNo === outTradeNo);
  }

  clear(): void {
    this.byOutRefundNo.clear();
  }
}
