// The one error type the adapter throws. Callers decide what to do from `code` and `retryable`
// alone, so they never need to look at HTTP details or WeChat's wire format.

/** Codes the adapter itself produces; anything else is WeChat's own code (PARAM_ERROR, ORDER_NOT_EXIST…). */
type LocalErrorCode =
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'INVALID_SIGNATURE'
  | 'INVALID_RESPONSE'
  /** Rejected before sending: the request would be malformed (bad out_trade_no, amount, …). */
  | 'INVALID_ARGUMENT';

// `string & {}` keeps editor completion for the local codes while allowing WeChat's open-ended set.
export type WechatPayErrorCode = LocalErrorCode | (string & {});

export type WechatPayErrorInit = {
  code: WechatPayErrorCode;
  message: string;
  httpStatus?: number;
  detail?: unknown;
  cause?: unknown;
  /** Overrides the status-based rule, for cases the status doesn't tell (a probed signature, 202 on close). */
  retryable?: boolean;
};

export class WechatPayError extends Error {
  override readonly name = 'WechatPayError';
  readonly code: WechatPayErrorCode;
  readonly httpStatus?: number;
  /**
   * True when repeating the same call (same out_trade_no, same parameters) may succeed: WeChat asks for
   * exactly that on 429/5xx, and a network failure or timeout leaves the outcome unknown.
   */
  readonly retryable: boolean;
  readonly detail?: unknown;

  constructor({ code, message, httpStatus, detail, cause, retryable }: WechatPayErrorInit) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.httpStatus = httpStatus;
    this.detail = detail;
    this.retryable = retryable ?? isRetryable(code, httpStatus);
  }
}

export function isWechatPayError(error: unknown): error is WechatPayError {
  return error instanceof WechatPayError;
}

function isRetryable(code: WechatPayErrorCode, httpStatus: number | undefined): boolean {
  if (code === 'NETWORK_ERROR' || code === 'TIMEOUT') return true;
  // Stryker disable next-line ConditionalExpression: without it, undefined compares false all the same (kept for the types)
  if (httpStatus === undefined) return false;
  return httpStatus === 429 || httpStatus >= 500;
}
