import { UserBar } from '@/components/auth/user-bar';
import { BalanceCard } from '@/components/balance-card';
import { RechargeFlow } from '@/components/recharge/recharge-flow';
import { getWalletBalanceFen } from '@/lib/accounts/wallet';
import { requireSignedInUser } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';
import { formatFen, parseYuanToFen } from '@/lib/money';

// Rendered per request: it reads the session (which alone makes the route dynamic) and a balance
// that changes with every payment. Without a session: the sign-in page, which comes back here.
export default async function HomePage({ searchParams }: PageProps<'/'>) {
  const { amount } = await searchParams;
  const user = await requireSignedInUser(amount ? `/?amount=${encodeURIComponent(String(amount))}` : '/');
  const balanceFen = await getWalletBalanceFen(user.id);
  const env = getEnv();

  return (
    <main>
      <UserBar name={user.name} image={user.image} current="recharge" />
      <header>
        <h1>账户充值</h1>
        <p className="muted">使用微信扫码支付，为账户充值</p>
      </header>
      <BalanceCard balanceFen={balanceFen} />
      <RechargeFlow
        pollIntervalMs={env.STATUS_POLL_INTERVAL_MS}
        pageTimeoutMs={env.PAGE_TIMEOUT_MS}
        maxFen={env.RECHARGE_MAX_FEN}
        initialAmountText={initialAmount(amount, env.RECHARGE_MAX_FEN)}
      />
    </main>
  );
}

/**
 * `?amount=0.01` (发起新的支付 on a result page): the form starts with that amount, if it is one the
 * form would accept; anything else starts it empty. The form and the server check it again.
 */
function initialAmount(raw: string | string[] | undefined, maxFen: number): string {
  const fen = typeof raw === 'string' ? parseYuanToFen(raw) : null;
  return fen !== null && fen >= 1 && fen <= maxFen ? formatFen(fen).replaceAll(',', '') : '';
}
