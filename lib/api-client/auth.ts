import { decodeSignInUrl } from './answers';
import { callApi } from './call-api';
import { SIGN_IN_SOCIAL_PATH, SIGN_OUT_PATH } from './paths';

// Sign-in and sign-out from the browser, through Better Auth's HTTP API (no client library: two
// calls don't need one).

/**
 * Asks for WeChat's QR code login page for a new sign-in (Better Auth records its state) and answers
 * its address; null when the server didn't give one.
 */
export async function startWechatSignIn(callbackPath: string, errorPath: string): Promise<string | null> {
  const answer = await callApi(SIGN_IN_SOCIAL_PATH, {
    method: 'POST',
    json: {
      provider: 'wechat',
      callbackURL: callbackPath,
      errorCallbackURL: errorPath,
      disableRedirect: true,
    },
  });
  return answer.status === 200 ? decodeSignInUrl(answer.body) : null;
}

/** Ends the session; true when the server confirmed. */
export async function signOut(): Promise<boolean> {
  const answer = await callApi(SIGN_OUT_PATH, { method: 'POST', json: {} });
  return answer.status === 200;
}
