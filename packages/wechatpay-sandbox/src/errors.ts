/**
 * A WeChat Pay API error as the real service answers it: an HTTP status and a `{code, message, detail?}`
 * body. Thrown by handlers and turned into a signed response in one place (server.ts).
 */
export class WechatPayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'WechatPayError';
  }

  toBody(): Record<string, unknown> {
    return this.detail
      ? { code: this.code, message: this.message, detail: this.detail }
      : { code: this.code, message: this.message };
  }
}

/**
 * WeChat's v3 close API documents no code for "already paid"; `ORDERPAID` is what its close-order API has
 * always used for that case (and what v3 clients in the wild expect). Unconfirmed for v3, so kept in one place.
 */
const ORDER_PAID_CODE = 'ORDERPAID';

export const signError = (message: string) => new WechatPayError(401, 'SIGN_ERROR', message);
export const invalidRequest = (message: string) => new WechatPayError(400, 'INVALID_REQUEST', message);
export const noAuth = (message: string) => new WechatPayError(403, 'NO_AUTH', message);
export const orderNotExist = () => new WechatPayError(404, 'ORDER_NOT_EXIST', '订单不存在');
export const orderClosed = (message = '订单已关闭') => new WechatPayError(400, 'ORDER_CLOSED', message);
export const orderPaid = () => new WechatPayError(400, ORDER_PAID_CODE, '订单已支付');
