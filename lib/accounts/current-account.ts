import 'server-only';
import { cookies } from 'next/headers';
import { getDb } from '../db';
import { getEnv } from '../env';
import { ACCOUNT_COOKIE, accountCookieOptions, signAccountId, verifyAccountCookie } from './account-cookie';

/** The signed-in visitor's account id, from the cookie alone (no database read); null if none. */
export async function readCurrentAccountId(): Promise<string | null> {
  const jar = await cookies();
  return verifyAccountCookie(jar.get(ACCOUNT_COOKIE)?.value, getEnv().SESSION_SECRET);
}

/**
 * The visitor's account, created on first use with its cookie set. Only callable where cookies
 * may be written (route handlers, server actions), which is where orders are created.
 */
export async function getOrCreateCurrentAccountId(): Promise<string> {
  const existing = await readCurrentAccountId();
  const db = getDb();
  if (existing) {
    const account = await db.account.findUnique({ where: { id: existing }, select: { id: true } });
    if (account) return account.id;
  }
  const account = await db.account.create({ data: {}, select: { id: true } });
  const env = getEnv();
  const jar = await cookies();
  jar.set(
    ACCOUNT_COOKIE,
    signAccountId(account.id, env.SESSION_SECRET),
    accountCookieOptions(env.APP_BASE_URL.startsWith('https:')),
  );
  return account.id;
}

/** Balance in fen; 0 for a visitor without an account yet. */
export async function getAccountBalanceFen(accountId: string | null): Promise<bigint> {
  if (!accountId) return 0n;
  const account = await getDb().account.findUnique({
    where: { id: accountId },
    select: { balanceFen: true },
  });
  return account?.balanceFen ?? 0n;
}
