import 'server-only';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isUuid } from '../uuid';

// A visitor's account id travels in a cookie signed with HMAC-SHA256, so it can't be forged or
// swapped for someone else's. The cookie holds no secret itself; the signature is the proof.

export const ACCOUNT_COOKIE = 'recharge_account';
const ACCOUNT_COOKIE_MAX_AGE_SECONDS = 60 * 60 * 24 * 365;

function signatureOf(accountId: string, secret: string): string {
  return createHmac('sha256', secret).update(`account:${accountId}`).digest('base64url');
}

export function signAccountId(accountId: string, secret: string): string {
  return `${accountId}.${signatureOf(accountId, secret)}`;
}

/** The account id when the cookie value is well-formed and correctly signed; otherwise null. */
export function verifyAccountCookie(value: string | undefined, secret: string): string | null {
  if (!value) return null;
  const dot = value.indexOf('.');
  if (dot <= 0) return null;
  const accountId = value.slice(0, dot);
  if (!isUuid(accountId)) return null;
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(signatureOf(accountId, secret));
  return given.length === expected.length && timingSafeEqual(given, expected) ? accountId : null;
}

export function accountCookieOptions(secure: boolean) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
    path: '/',
    maxAge: ACCOUNT_COOKIE_MAX_AGE_SECONDS,
  };
}
