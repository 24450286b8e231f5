import 'server-only';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isUuid } from '../uuid';

// Before sign-in existed, a visitor's account id travelled in a cookie signed with HMAC-SHA256, so it
// couldn't be forged or swapped for someone else's. No new ones are issued; those still held by
// browsers are honoured once, to merge their account at sign-in (merge-visitor-account.ts).

export const ACCOUNT_COOKIE = 'recharge_account';

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
