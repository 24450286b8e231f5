import 'server-only';
import { cookies } from 'next/headers';
import { getEnv } from '../env';
import { ACCOUNT_COOKIE, verifyAccountCookie } from './account-cookie';

// Before sign-in, an anonymous account belonged to whoever held its signed cookie. Such cookies are
// read once more, when their browser signs in, to merge the account into the user's wallet.

/** The anonymous-era account this browser holds, from its signed cookie alone; null if none. */
export async function readVisitorAccountId(): Promise<string | null> {
  const jar = await cookies();
  return verifyAccountCookie(jar.get(ACCOUNT_COOKIE)?.value, getEnv().SESSION_SECRET);
}

/** Forgets the cookie once its account has been dealt with. */
export async function forgetVisitorAccount(): Promise<void> {
  (await cookies()).delete(ACCOUNT_COOKIE);
}
