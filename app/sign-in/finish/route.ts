// GET /sign-in/finish?next=… – Where WeChat sign-in ends (Better Auth's callbackURL): merges the
// browser's anonymous-era account into the user's wallet, once, then goes on to `next`.
import { NextResponse } from 'next/server';
import { mergeVisitorAccount } from '@/lib/accounts/merge-visitor-account';
import { forgetVisitorAccount, readVisitorAccountId } from '@/lib/accounts/visitor-account';
import { safeReturnPath, signInPath } from '@/lib/auth/return-to';
import { readSignedInUser } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';
import { createLogger } from '@/lib/log';

const log = createLogger('accounts');

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
        log.info(
          {
            visitorAccountId,
            walletId: user.id,
            amountFen: outcome.amountFen,
            orders: outcome.orderIds.length,
          },
          'visitor account merged into the wallet',
        );
      }
      // Merged, merged before, or nothing to merge: the cookie has done its job.
      await forgetVisitorAccount();
    } catch (error) {
      // The cookie stays: the next sign-in in this browser tries again. Signing in still succeeds.
      log.error({ visitorAccountId, err: error }, 'merging the visitor account failed');
    }
  }
  return NextResponse.redirect(new URL(next, base), 303);
}
