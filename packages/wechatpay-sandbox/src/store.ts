import { randomAlphanumeric } from './random';
import type { CreateOrderRequest } from './schemas';

// In-memory orders, one merchant. Expiry is applied lazily on every read, so a past time_expire closes the
// order the moment anyone (API, phone page, control API) looks at it, with no timers to clean up.

export type TradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'PAYERROR';

export const DEFAULT_UNPAID_EXPIRY_MS = 7 * 24 * 60 * 60 * 1000;

export interface Order {
  appid: string;
  mchid: string;
  description: string;
  outTradeNo: string;
  attach: string | undefined;
  notifyUrl: string;
  total: number;
  currency: string;
  timeExpire: string | undefined;
  expiresAtMs: number;
  createdAtMs: number;
  codeUrl: string;
  /** Canonical JSON of the create parameters: a repeated create is the same call only if this matches. */
  paramsKey: string;
  state: TradeState;
  closedBy?: 'merchant' | 'expiry' | 'sandbox';
  transactionId?: string;
  successTime?: string;
  payerOpenid?: string;
  /** A refund of it has succeeded: the query answers trade_state REFUND (转入退款), as WeChat's does. */
  refunded?: boolean;
  /** Bill fault (amount difference): the trade bill shows this amount, in fen, instead of `total`. */
  billTotal?: number;
}

export function paramsKeyOf(request: CreateOrderRequest): string {
  return JSON.stringify([
    request.appid,
    request.mchid,
    request.description,
    request.out_trade_no,
    request.time_expire ?? null,
    request.attach ?? null,
    request.notify_url,
    request.amount.total,
    request.amount.currency ?? 'CNY',
  ]);
}

export class OrderStore {
  private readonly byOutTradeNo = new Map<string, Order>();
  private readonly byCodeUrl = new Map<string, Order>();

  add(order: Order): void {
    this.byOutTradeNo.set(order.outTradeNo, order);
    this.byCodeUrl.set(order.codeUrl, order);
  }

  get(outTradeNo: string, nowMs = Date.now()): Order | undefined {
    return this.applyExpiry(this.byOutTradeNo.get(outTradeNo), nowMs);
  }

  getByCodeUrl(codeUrl: string, nowMs = Date.now()): Order | undefined {
    return this.applyExpiry(this.byCodeUrl.get(codeUrl), nowMs);
  }

  getByTransactionId(transactionId: string, nowMs = Date.now()): Order | undefined {
    const order = [...this.byOutTradeNo.values()].find((o) => o.transactionId === transactionId);
    return this.applyExpiry(order, nowMs);
  }

  /** A code_url no order has: `weixin://wxpay/bizpayurl?pr=` and 11 characters, like WeChat's. */
  unusedCodeUrl(): string {
    for (;;) {
      const codeUrl = `weixin://wxpay/bizpayurl?pr=${randomAlphanumeric(11)}`;
      if (!this.byCodeUrl.has(codeUrl)) return codeUrl;
    }
  }

  /** Newest first. */
  list(nowMs = Date.now()): Order[] {
    return [...this.byOutTradeNo.values()]
      .map((order) => this.applyExpiry(order, nowMs) as Order)
      .sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  clear(): void {
    this.byOutTradeNo.clear();
    this.byCodeUrl.clear();
  }

  private applyExpiry(order: Order | undefined, nowMs: number): Order | undefined {
    if (order && order.state === 'NOTPAY' && nowMs >= order.expiresAtMs) {
      order.state = 'CLOSED';
      order.closedBy = 'expiry';
    }
    return order;
  }
}
