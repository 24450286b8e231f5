import { BalanceCard } from '@/components/balance-card';
import { RechargeFlow } from '@/components/recharge/recharge-flow';
import { getAccountBalanceFen, readCurrentAccountId } from '@/lib/accounts/current-account';
import { getEnv } from '@/lib/env';

// Rendered per request: it reads the visitor's cookie (which alone makes the route dynamic) and a
// balance that changes with every payment.
export default async function HomePage() {
  const accountId = await readCurrentAccountId();
  const balanceFen = await getAccountBalanceFen(accountId);
  const env = getEnv();

  return (
    <main>
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
