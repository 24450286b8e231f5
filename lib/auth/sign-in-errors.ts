// What a failed sign-in says to the person, from the `error` code Better Auth puts on the sign-in
// page's address when it sends the browser back. No session exists after any of these.

const MESSAGES: Record<string, string> = {
  // WeChat sends the browser back without a code when the person taps 拒绝 on the phone.
  no_code: '你已取消微信登录，如需充值请重新扫码登录',
  access_denied: '你已取消微信登录，如需充值请重新扫码登录',
  // The code was unknown, used already, expired, or WeChat didn't answer in time.
  invalid_code: '微信登录未能完成（登录凭证无效、已使用或微信暂时无响应），请重新扫码',
  unable_to_get_user_info: '无法确认你的微信身份，请重新扫码登录',
  // The state doesn't match a sign-in this browser started (forged, replayed, expired, other browser).
  state_not_found: '登录请求已失效，请重新扫码登录',
  state_mismatch: '登录请求已失效，请重新扫码登录',
  please_restart_the_process: '登录请求已失效，请重新扫码登录',
  invalid_callback_request: '登录请求无效，请重新扫码登录',
};

const FALLBACK = '微信登录失败，请重新扫码登录';

/** Null when there was no error. */
export function signInErrorMessage(code: string | undefined): string | null {
  if (!code) return null;
  return MESSAGES[code] ?? FALLBACK;
}
