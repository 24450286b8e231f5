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
export const resourceNotExists = (message: string) => new WechatPayError(404, 'RESOURCE_NOT_EXISTS', message);
export const notEnough = () => new WechatPayError(403, 'NOT_ENOUGH', '基本账户余额不足，请充值后重新发起');

/**
 * An error of WeChat's OAuth API (api.weixin.qq.com/sns/…): answered with HTTP 200 and
 * `{"errcode": N, "errmsg": "…, rid: …"}`. Messages are the ones WeChat sends; the sandbox adds the rid.
 */
export class SnsError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(errmsg);
    this.name = 'SnsError';
  }
}

export const snsErrors = {
  systemError: () => new SnsError(-1, 'system error'),
  invalidCredential: () => new SnsError(40001, 'invalid credential, access_token is invalid or not latest'),
  invalidGrantType: () => new SnsError(40002, 'invalid grant_type'),
  invalidOpenid: () => new SnsError(40003, 'invalid openid'),
  invalidAppid: () => new SnsError(40013, 'invalid appid'),
  invalidCode: () => new SnsError(40029, 'invalid code'),
  invalidRefreshToken: () => new SnsError(40030, 'invalid refresh_token'),
  invalidAppsecret: () => new SnsError(40125, 'invalid appsecret'),
  codeBeenUsed: () => new SnsError(40163, 'code been used'),
  accessTokenMissing: () => new SnsError(41001, 'access_token missing'),
  appidMissing: () => new SnsError(41002, 'appid missing'),
  refreshTokenMissing: () => new SnsError(41003, 'refresh_token missing'),
  appsecretMissing: () => new SnsError(41004, 'appsecret missing'),
  codeMissing: () => new SnsError(41008, 'missing code'),
  openidMissing: () => new SnsError(41009, 'missing openid'),
  accessTokenExpired: () => new SnsError(42001, 'access_token expired'),
  refreshTokenExpired: () => new SnsError(42002, 'refresh_token expired'),
  codeExpired: () => new SnsError(42003, 'code expired'),
  requireGet: () => new SnsError(43001, 'require GET method'),
};
