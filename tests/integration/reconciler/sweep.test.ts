// The reconciler's sweep (lib/orders/reconcile-stale-orders.ts): due orders leased from PostgreSQL,
// rescheduled with backoff, one claim per order per lease whatever runs at once, orders nothing can
// finish taken out as payment exceptions, and a lost payment credited however much is stuck ahead.
// Outside tests/integration/orders/ on purpose: the orders mutation run need not replay it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { generateOutTradeNo } from '@/lib/orders/out-trade-no';
import { reconcileDueOrders } from '@/lib/orders/reconcile-stale-orders';
import { balanceOf, createOrderFor, newAccount, orderRow } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness } from '../../support/orders-harness';

let harness: OrdersHarness;
beforeAll(async () => {
  harness = await startOrdersHarness();
});
beforeEach(() => harness.control('POST', '/sandbox/faults/reset'));
afterAll(() => harness.close());

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);

describe('reconcileDueOrders (the sweep)', () => {
  // The test database is shared with other files running at once: these cases look only at their
  // own orders, and move "now" forward where they need orders to be due. The 500 orders the
  // starvation case leaves would be due for every later run's sweeps: they go again afterwards.
  const dropStuckOrders = () =>
    getDb().paymentOrder.deleteMany({ where: { outTradeNo: { startsWith: 'RCSTUCK' } } });
  beforeAll(dropStuckOrders);
  afterAll(dropStuckOrders);

  it('credits a payment whose notification was lost and that no page is polling', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 990);
    await harness.control('POST', '/sandbox/faults/notifications', { lose: 1 });
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    // First in line, whatever else the shared database holds due.
    await getDb().paymentOrder.update({
      where: { id: order.orderId },
      data: { nextCheckAt: new Date('2000-01-01') },
    });
    const result = await reconcileDueOrders({ now: minutesFromNow(0), maxOrders: 1 });
    expect(result.checked).toBeGreaterThanOrEqual(1);
    expect(await balanceOf(accountId)).toBe(990n);
  });

  it('leaves orders alone until their first check is due (a minute after creation)', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 120);
    await harness.control('POST', '/sandbox/faults/notifications', { lose: 1 });
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    await reconcileDueOrders();
    expect(await balanceOf(accountId)).toBe(0n);
    expect((await orderRow(order.orderId)).checkAttempts).toBe(0);
  });

  it('reschedules an order it couldn’t finish, backing off, never past just after its expiry', async () => {
    const order = await insertUnknownOrder(minutesFromNow(-1));
    const now = minutesFromNow(0);
    await reconcileDueOrders({ now });
    const row = await orderRow(order.id);
    expect(row).toMatchObject({ status: 'PENDING', checkAttempts: 1 });
    // 30 s after the check (the sweep's clock runs on from `now`).
    const next = row.nextCheckAt?.getTime() ?? 0;
    expect(next).toBeGreaterThanOrEqual(now.getTime() + 30_000);
    expect(next).toBeLessThan(now.getTime() + 35_000);
  });

  it('never lets two sweepers at once ask about the same order in one lease', async () => {
    const orders = await Promise.all(
      Array.from({ length: 30 }, () => insertUnknownOrder(minutesFromNow(-1))),
    );
    const now = minutesFromNow(0);
    await Promise.all([
      reconcileDueOrders({ now }),
      reconcileDueOrders({ now }),
      reconcileDueOrders({ now }),
    ]);
    const rows = await getDb().paymentOrder.findMany({ where: { id: { in: orders.map((o) => o.id) } } });
    expect(rows.map((r) => r.checkAttempts)).toEqual(orders.map(() => 1));
  });

  it('credits a lost payment behind 500 orders it can never finish, within two sweeps', async () => {
    // 500 orders WeChat has never heard of, all due before the paid one: each check leaves them
    // PENDING ("not known yet") and pushes them back, so they can't hold the sweep.
    const stuck = minutesFromNow(-30);
    const accountId = await newAccount();
    await getDb().paymentOrder.createMany({
      data: Array.from({ length: 500 }, (_, i) => ({
        accountId,
        outTradeNo: `RCSTUCK${randomUUID().replace(/-/g, '').slice(0, 20)}${i % 10}`,
        amountFen: 100,
        description: '账户余额充值',
        expiresAt: minutesFromNow(10),
        nextCheckAt: stuck,
      })),
    });
    const payer = await newAccount();
    const order = await createOrderFor(payer, 4321);
    await harness.control('POST', '/sandbox/faults/notifications', { lose: 1 });
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    for (let sweep = 0; sweep < 2 && (await balanceOf(payer)) === 0n; sweep++) {
      await reconcileDueOrders({ now: minutesFromNow(2) });
    }
    expect(await balanceOf(payer)).toBe(4321n);
  }, 120_000);

  it('keeps an order whose answer didn’t verify in the sweep: our keys are at fault, not the order', async () => {
    const order = await createOrderFor(await newAccount(), 100);
    await getDb().paymentOrder.update({
      where: { id: order.orderId },
      data: { nextCheckAt: new Date('2000-01-01') },
    });
    await harness.control('POST', '/sandbox/faults/api', {
      endpoint: 'query',
      kind: 'bad-signature',
      count: 1,
    });
    const now = minutesFromNow(0);
    await reconcileDueOrders({ now, maxOrders: 1 });
    // Every order would get that answer: none leaves the sweep for it; asked again with backoff.
    const row = await orderRow(order.orderId);
    expect(row).toMatchObject({ status: 'PENDING', checkAttempts: 1 });
    expect(row.nextCheckAt?.getTime()).toBeGreaterThan(now.getTime());
    expect(await getDb().paymentException.count({ where: { outTradeNo: order.outTradeNo } })).toBe(0);
  });

  it('takes an order it can’t even ask about out of the sweep, as an exception', async () => {
    // An out_trade_no WeChat would refuse (a row written by hand, say): the adapter won't send it.
    const order = await getDb().paymentOrder.create({
      data: {
        accountId: await newAccount(),
        outTradeNo: `RC!BAD${Date.now()}`,
        amountFen: 100,
        description: '账户余额充值',
        expiresAt: minutesFromNow(10),
        nextCheckAt: new Date('2000-01-01'),
      },
    });
    await reconcileDueOrders({ now: minutesFromNow(0), maxOrders: 1 });
    expect(await orderRow(order.id)).toMatchObject({ status: 'PENDING', nextCheckAt: null });
    expect(
      await getDb().paymentException.findUnique({
        where: { kind_outTradeNo: { kind: 'UNEXPECTED_ANSWER', outTradeNo: order.outTradeNo } },
      }),
    ).toMatchObject({ status: 'OPEN', orderId: order.id, details: { code: 'INVALID_ARGUMENT' } });
  });

  it('opens an exception for an order still unsettled long after its expiry, and stops asking', async () => {
    const order = await createOrderFor(await newAccount(), 100);
    await getDb().paymentOrder.update({
      where: { id: order.orderId },
      data: { nextCheckAt: new Date('2000-01-01') },
    });
    // WeChat fails the query (a 500 it asks us to retry): the order can't be settled or closed.
    await harness.control('POST', '/sandbox/faults/api', {
      endpoint: 'query',
      kind: 'system-error',
      count: 1,
    });
    await reconcileDueOrders({ now: minutesFromNow(45), maxOrders: 1 });
    expect(await orderRow(order.orderId)).toMatchObject({ status: 'PENDING', nextCheckAt: null });
    expect(
      await getDb().paymentException.findUnique({
        where: { kind_outTradeNo: { kind: 'UNRESOLVED_AT_EXPIRY', outTradeNo: order.outTradeNo } },
      }),
    ).toMatchObject({ status: 'OPEN', orderId: order.orderId });
  });

  it('sweeps rows an older server version inserts without next_check_at (a rolling deploy)', async () => {
    const accountId = await newAccount();
    const [row] = await getDb().$queryRaw<{ next_check_at: Date; created_at: Date }[]>`
      INSERT INTO payment_orders (id, out_trade_no, account_id, amount_fen, description, expires_at, updated_at)
      VALUES (gen_random_uuid(), ${generateOutTradeNo()}, ${accountId}::uuid, 100, 'old server', now() + interval '10 minutes', now())
      RETURNING next_check_at, created_at`;
    expect(row?.next_check_at.getTime()).toBe((row?.created_at.getTime() ?? 0) + 60_000);
  });

  it('records when it last swept, for /api/health', async () => {
    const before = new Date();
    await reconcileDueOrders({ now: minutesFromNow(0), maxOrders: 0 });
    const beat = await getDb().reconcilerHeartbeat.findUniqueOrThrow({ where: { id: 1 } });
    expect(beat.lastSweepAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
  });
});

/** An order WeChat has never heard of (not created there), due at `due`. */
async function insertUnknownOrder(due: Date) {
  return getDb().paymentOrder.create({
    data: {
      accountId: await newAccount(),
      outTradeNo: generateOutTradeNo(),
      amountFen: 100,
      description: '账户余额充值',
      expiresAt: minutesFromNow(10),
      nextCheckAt: due,
    },
  });
}
