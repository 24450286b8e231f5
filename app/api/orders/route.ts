// POST /api/orders – Create a recharge order and its WeChat Pay QR link.
import { NextResponse } from 'next/server';
import { ensureWallet } from '@/lib/accounts/wallet';
import { requireApiUser } from '@/lib/auth/session';
import { requestClientAddress } from '@/lib/http/client-address';
import { ORDER_BODY_LIMIT_BYTES, readJsonWithLimit } from '@/lib/http/read-body';
import { assertSameOriginJson } from '@/lib/http/same-origin';
import { withApiHandler } from '@/lib/http/with-api-handler';
import { assertRechargeAmountAllowed, createRechargeOrder } from '@/lib/orders/create-order';
import { enforceRequestLimit } from '@/lib/rate-limit/request-limits';
import { createOrderInputSchema, idempotencyHeaderSchema } from '@/lib/schemas/order';

export const dynamic = 'force-dynamic';

export const POST = withApiHandler(async (request) => {
  // Before anything else (the session lookup may renew a cookie): a cross-site request changes nothing.
  assertSameOriginJson(request);
  // Every attempt counts, valid or not: the address's before the session lookup (a database read a
  // flood of made-up cookies would otherwise cost freely), the person's once known.
  await enforceRequestLimit('order-per-address', requestClientAddress(request));
  const user = await requireApiUser();
  await enforceRequestLimit('order-per-user', user.id);
  // An unreadable body parses as null, which the schema answers with a 422 on the body itself.
  const body = await readJsonWithLimit(request, ORDER_BODY_LIMIT_BYTES);
  const { amountFen } = createOrderInputSchema.parse(body);
  const { 'Idempotency-Key': idempotencyKey } = idempotencyHeaderSchema.parse({
    'Idempotency-Key': request.headers.get('idempotency-key') ?? undefined,
  });
  // All input is checked before the wallet is created: bad input changes nothing.
  assertRechargeAmountAllowed(amountFen);
  const accountId = await ensureWallet(user.id);
  const order = await createRechargeOrder({ accountId, amountFen, idempotencyKey });
  return NextResponse.json(order, { status: 201, headers: { 'Cache-Control': 'no-store' } });
});
