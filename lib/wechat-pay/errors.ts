// The one error type the adapter throws. Callers decide what to do from `code` and `retryable`
// alone, so they never need to look at HTTP details or WeChat's wire format.

/** Codes the adapter itself produces; anything else is WeChat's own code (PARAM_ERROR, ORDER_NOT_EXIST…). */
type LocalErrorCode =
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'INVALID_SIGNATURE'
  | 'INVALID_RESPONSE'
  /** Rejected before sending: the request would be malformed (bad out_trade_no, amount, …). */
  | 'INVALID_ARGUMENT'
  /** A downloaded bill whose bytes don't hash to what WeChat announced: damaged on the way, download again. */
  | 'BILL_HASH_MISMATCH'
  /** A bill (authentic, hash checked) that can't be read or doesn't add up: retrying brings the same bytes. */
  | 'BILL_MALFORMED'
  /** WeChat's platform certificates don't decrypt with our APIv3 key: it isn't the one set in the portal. */
  | 'APIV3_KEY_MISMATCH';

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
   * True when repeating the same call (same out_trade_no or out_refund_no, same parameters) may succeed:
   * WeChat asks for exactly that on 429/5xx, and a network failure or timeout leaves the outcome unknown.
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

// WeChat's own codes that ask for the same call again, whatever status they come with: system errors and
// rate limits (documented as 500 and 429, but the code is the promise; SYSTEMERROR is the v2 spelling some
// gateways still send), and a bill that is still being generated (a 400).
const RETRYABLE_CODES: ReadonlySet<WechatPayErrorCode> = new Set([
  'NETWORK_ERROR',
  'TIMEOUT',
  'SYSTEM_ERROR',
  'SYSTEMERROR',
  'FREQUENCY_LIMITED',
  'STATEMENT_CREATING',
]);

function isRetryable(code: WechatPayErrorCode, httpStatus: number | undefined): boolean {
  if (RETRYABLE_CODES.has(code)) return true;
  // Stryker disable next-line ConditionalExpression: without it, undefined compares false all the same (kept for the types)
  if (httpStatus === undefined) return false;
  return httpStatus === 429 || httpStatus >= 500;
}
