import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { UserBar } from '@/components/auth/user-bar';
import { RechargeResult } from '@/components/result/recharge-result';
import { rechargeResultPath } from '@/lib/api-client/paths';
import { requireSignedInUser } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';
import { getOrderResult } from '@/lib/orders/get-order-result';

export const metadata: Metadata = { title: '充值结果 · 微信支付' };

// Dynamic by nature (the session, a status that changes): read from the database on every
// request, so what it says is the settled truth rather than the polling cache.
export default async function RechargeResultPage({ params }: PageProps<'/recharge/[orderId]'>) {
  const { orderId } = await params;
  const user = await requireSignedInUser(rechargeResultPath(orderId));
  // The user's id is their wallet's id.
  const result = await getOrderResult(orderId, user.id);
  // Someone else's order is indistinguishable from a missing one.
  if (!result) notFound();

  return (
    <main>
      <UserBar name={user.name} image={user.image} />
      <RechargeResult result={result} pollIntervalMs={getEnv().STATUS_POLL_INTERVAL_MS} />
    </main>
  );
}
