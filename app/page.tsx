import { UserBar } from '@/components/auth/user-bar';
import { BalanceCard } from '@/components/balance-card';
import { RechargeFlow } from '@/components/recharge/recharge-flow';
import { getWalletBalanceFen } from '@/lib/accounts/wallet';
import { requireSignedInUser } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';

// Rendered per request: it reads the session (which alone makes the route dynamic) and a balance
// that changes with every payment. Without a session: the sign-in page, which comes back here.
export default async function HomePage() {
  const user = await requireSignedInUser('/');
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
      />
    </main>
  );
}
