// GET /api/orders/{orderId}/status – The order's status from Redis (polled every 2 s by the page).
import { after, NextResponse } from 'next/server';
import { readCurrentAccountId } from '@/lib/accounts/current-account';
import { withApiHandler } from '@/lib/http/with-api-handler';
import { getOrderStatusForAccount } from '@/lib/orders/get-order-status';

export const dynamic = 'force-dynamic';

export const GET = withApiHandler(async (_request, context: RouteContext<'/api/orders/[orderId]/status'>) => {
  const { orderId } = await context.params;
  const accountId = await readCurrentAccountId();
  // `after` runs the WeChat query once the response is sent: never on the polling path.
  const view = await getOrderStatusForAccount(orderId, accountId, (task) => after(task));
  return NextResponse.json(view, { headers: { 'Cache-Control': 'no-store' } });
});
