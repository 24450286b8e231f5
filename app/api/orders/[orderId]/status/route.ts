// GET /api/orders/{orderId}/status – The order's status from Redis (polled every 2 s by the page).
import { after, NextResponse } from 'next/server';
import { requireApiUser } from '@/lib/auth/session';
import { requestClientAddress } from '@/lib/http/client-address';
import { withApiHandler } from '@/lib/http/with-api-handler';
import { getOrderStatusForAccount } from '@/lib/orders/get-order-status';
import { enforceRequestLimit } from '@/lib/rate-limit/request-limits';

export const dynamic = 'force-dynamic';

export const GET = withApiHandler(async (request, context: RouteContext<'/api/orders/[orderId]/status'>) => {
  const { orderId } = await context.params;
  // From the session snapshot cookie: no database read. The user's id is their wallet's id.
  const user = await requireApiUser({ polling: true });
  // `after` runs the WeChat query once the response is sent: never on the polling path. The
  // per-address limit travels with the status read: one Redis round trip.
  const address = requestClientAddress(request);
  const view = await getOrderStatusForAccount(
    orderId,
    user.id,
    (task) => after(task),
    () => enforceRequestLimit('poll-per-address', address),
  );
  return NextResponse.json(view, { headers: { 'Cache-Control': 'no-store' } });
});
