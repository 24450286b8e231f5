// Faults for the login OAuth endpoints (/sns/…), queued in a FaultQueue like the v3 API's (faults.ts).

export const SNS_ENDPOINTS = ['access_token', 'refresh_token', 'userinfo', 'auth'] as const;
export type SnsEndpoint = (typeof SNS_ENDPOINTS)[number];

/**
 * - `errcode`: HTTP 200 `{errcode, errmsg}`, by default WeChat's -1 `system error` (documented as
 *   系统繁忙，此时请开发者稍候再试); any errcode/errmsg can be given
 * - `delay`: answer normally, `delayMs` late (so a client's timeout fires)
 * - `http-error`: an HTML error page with HTTP `status` (default 503), as a gateway in front of WeChat sends
 * - `not-json`: HTTP 200 with an HTML body instead of JSON
 * - `wrong-user` (userinfo only): a valid profile, but another user's (its openid differs from the one
 *   asked for): a careful client compares openids
 * `delayMs` delays any kind's answer; `afterProcessing` makes the failing kinds do the work first (a code
 * exchanged behind an `errcode` answer is spent: the retry gets 40163).
 */
export const OAUTH_FAULT_KINDS = ['errcode', 'delay', 'http-error', 'not-json', 'wrong-user'] as const;
type OAuthFaultKind = (typeof OAUTH_FAULT_KINDS)[number];

export interface OAuthFault {
  endpoint: SnsEndpoint | 'any';
  kind: OAuthFaultKind;
  remaining: number;
  delayMs: number;
  errcode: number;
  errmsg?: string;
  status: number;
  afterProcessing: boolean;
}
