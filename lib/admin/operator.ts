import 'server-only';
import { notFound } from 'next/navigation';
import { readSignedInUser, type SignedInUser } from '../auth/session';
import { WECHAT_PROVIDER_ID } from '../auth/wechat-login';
import { getDb } from '../db';
import { getEnv } from '../env';

// The console is for operators only: signed-in users whose WeChat identity is on ADMIN_WECHAT_IDS.
// Everyone else, signed in or not, gets the same 404 as for a page that doesn't exist: the console
// doesn't announce itself. Checked on every page and every action (never only in a layout, which a
// client-side navigation doesn't re-render).

async function isOperator(userId: string): Promise<boolean> {
  const ids = getEnv().ADMIN_WECHAT_IDS;
  if (ids.length === 0) return false;
  const identity = await getDb().authAccount.findFirst({
    where: { userId, providerId: WECHAT_PROVIDER_ID, accountId: { in: ids } },
    select: { id: true },
  });
  return identity !== null;
}

export async function requireOperator(): Promise<SignedInUser> {
  const user = await readSignedInUser();
  if (!user || !(await isOperator(user.id))) notFound();
  return user;
}
