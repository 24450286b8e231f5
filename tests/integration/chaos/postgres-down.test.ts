// PostgreSQL crashed for ten seconds (a private cluster, never the machine's) during a burst of
// payment notifications: they are answered 5xx while it is down, WeChat retries them, and once it is
// back every one is acknowledged and the ledger is exact to the fen: nothing lost, nothing twice.
// Meanwhile starting a payment answers a clear 503.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { resetEnvForTests } from '@/lib/env';
import { handleApiError } from '@/lib/http/handle-api-error';
import { createRechargeOrder } from '@/lib/orders/create-order';
import { applyMigrations } from '../../../scripts/db/apply-migrations';
import { type OrdersHarness, startOrdersHarness, waitFor } from '../../support/orders-harness';
import { type PrivatePostgres, startPrivatePostgres } from '../../support/private-postgres';

let postgres: PrivatePostgres;
let harness: OrdersHarness;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  await applyMigrations(postgres.url, { log: () => {} });
  process.env.DATABASE_URL = postgres.url;
  resetEnvForTests();
  (globalThis as { __prisma?: unknown }).__prisma = undefined;
  harness = await startOrdersHarness();
}, 60_000);
afterAll(async () => {
  await harness?.close();
  await getDb().$disconnect();
  (globalThis as { __prisma?: unknown }).__prisma = undefined;
  postgres?.close();
});

type LogEntry = { outcome: string; status?: number };

describe('with PostgreSQL down', () => {
  it('acknowledges every notification once it is back, crediting each payment exactly once', async () => {
    const db = getDb();
    const amounts = Array.from({ length: 20 }, (_, i) => 100 + i * 7);
    const orders: { accountId: string; orderId: string; outTradeNo: string; amountFen: number }[] = [];
    for (const amountFen of amounts) {
      const account = await db.account.create({ data: {} });
      const created = await createRechargeOrder({ accountId: account.id, amountFen });
      orders.push({
        accountId: account.id,
        orderId: created.orderId,
        outTradeNo: created.outTradeNo,
        amountFen,
      });
    }

    // The burst: every payer pays at once, and PostgreSQL crashes under it.
    await Promise.all(
      orders.map((o) => harness.control('POST', '/sandbox/pay', { out_trade_no: o.outTradeNo })),
    );
    postgres.crash();

    // Starting a payment now: a clear 503 to retry, nothing half-done.
    const refusal = await createRechargeOrder({
      accountId: orders[0]?.accountId ?? '',
      amountFen: 100,
    }).catch((error: unknown) => error);
    const answer = handleApiError(refusal);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect((await answer.json()).error.code).toBe('service_unavailable');

    await sleep(10_000);
    postgres.start();

    // WeChat's retries (the sandbox's schedule, compressed) deliver every notification.
    const logs = await waitFor(
      async () => {
        const all = await Promise.all(
          orders.map((o) =>
            harness.control<LogEntry[]>('GET', `/sandbox/notifications?out_trade_no=${o.outTradeNo}`),
          ),
        );
        return all.every((entries) => entries.some((e) => e.outcome === 'acknowledged')) ? all : null;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    // While it was down, some were refused (5xx) and retried.
    expect(logs.flat().some((e) => e.outcome !== 'acknowledged')).toBe(true);

    for (const order of orders) {
      const account = await db.account.findUniqueOrThrow({ where: { id: order.accountId } });
      expect(account.balanceFen).toBe(BigInt(order.amountFen));
      expect(await db.ledgerEntry.count({ where: { orderId: order.orderId } })).toBe(1);
      expect((await db.paymentOrder.findUniqueOrThrow({ where: { id: order.orderId } })).status).toBe('PAID');
    }
    const total = await db.ledgerEntry.aggregate({ _sum: { amountFen: true } });
    expect(total._sum.amountFen).toBe(BigInt(amounts.reduce((a, b) => a + b, 0)));
  }, 150_000);
});
