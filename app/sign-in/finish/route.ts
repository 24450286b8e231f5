// GET /sign-in/finish?next=… – Where WeChat sign-in ends (Better Auth's callbackURL): merges the
// browser's anonymous-era account into the user's wallet, once, then goes on to `next`.
import { NextResponse } from 'next/server';
import { mergeVisitorAccount } from '@/lib/accounts/merge-visitor-account';
import { forgetVisitorAccount, readVisitorAccountId } from '@/lib/accounts/visitor-account';
import { safeReturnPath, signInPath } from '@/lib/auth/return-to';
import { readSignedInUser } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const next = safeReturnPath(new URL(request.url).searchParams.get('next'));
  const base = getEnv().APP_BASE_URL;
  const user = await readSignedInUser();
  if (!user) return NextResponse.redirect(new URL(signInPath(next), base), 303);

  const visitorAccountId = await readVisitorAccountId();
  if (visitorAccountId) {
    try {
      const outcome = await mergeVisitorAccount(visitorAccountId, user.id);
      if (outcome.merged) {
        console.info(
          `[accounts] merged visitor account ${visitorAccountId} into wallet ${user.id}: ` +
            `${outcome.amountFen} fen, ${outcome.orderIds.length} orders`,
        );
      }
      // Merged, merged before, or nothing to merge: the cookie has done its job.
      await forgetVisitorAccount();
    } catch (error) {
      // The cookie stays: the next sign-in in this browser tries again. Signing in still succeeds.
      console.error(`[accounts] merging visitor account ${visitorAccountId} failed`, error);
    }
  }
  return NextResponse.redirect(new URL(next, base), 303);
}
