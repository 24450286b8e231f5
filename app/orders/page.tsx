import type { Metadata } from 'next';
import { UserBar } from '@/components/auth/user-bar';
import { BalanceCard } from '@/components/balance-card';
import { OrderHistory } from '@/components/history/order-history';
import { getWalletBalanceFen } from '@/lib/accounts/wallet';
import { ORDER_HISTORY_PATH } from '@/lib/api-client/paths';
import { requireSignedInUser } from '@/lib/auth/session';
import { listWalletOrders } from '@/lib/orders/list-orders';

export const metadata: Metadata = { title: '充值记录 · 微信支付充值' };

export default async function OrderHistoryPage({ searchParams }: PageProps<'/orders'>) {
  const { cursor } = await searchParams;
  const given = typeof cursor === 'string' ? cursor : undefined;
  const user = await requireSignedInUser(
    given ? `${ORDER_HISTORY_PATH}?cursor=${encodeURIComponent(given)}` : ORDER_HISTORY_PATH,
  );
  const [page, balanceFen] = await Promise.all([
    listWalletOrders(user.id, given),
    getWalletBalanceFen(user.id),
  ]);

  return (
    <main>
      <UserBar name={user.name} image={user.image} current="history" />
      <header>
        <h1>充值记录</h1>
      </header>
      <BalanceCard balanceFen={balanceFen} />
      <OrderHistory
        orders={page.orders}
        olderHref={
          page.nextCursor ? `${ORDER_HISTORY_PATH}?cursor=${encodeURIComponent(page.nextCursor)}` : null
        }
      />
    </main>
  );
}
