import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignInPanel } from '@/components/auth/sign-in-panel';
import { finishSignInPath, safeReturnPath, signInPath } from '@/lib/auth/return-to';
import { readSignedInUser } from '@/lib/auth/session';
import { signInErrorMessage } from '@/lib/auth/sign-in-errors';

export const metadata: Metadata = { title: '登录 · 微信支付充值' };

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function SignInPage({ searchParams }: PageProps<'/sign-in'>) {
  const query = await searchParams;
  const next = safeReturnPath(single(query.next));
  if (await readSignedInUser()) redirect(next);

  return (
    <main>
      <header>
        <h1>账户充值</h1>
        <p className="muted">请先登录</p>
      </header>
      <SignInPanel
        callbackPath={finishSignInPath(next)}
        errorPath={signInPath(next)}
        error={signInErrorMessage(single(query.error))}
      />
    </main>
  );
}
