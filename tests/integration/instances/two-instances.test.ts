// Two instances of the app on one PostgreSQL and one Redis, as behind a load balancer: this test's
// process and another (tests/support/app-instance.ts, its own pools, caches and breaker). A payment
// polled through one and notified through the other reaches the page; two reconcilers sweeping at
// once never ask about one order twice in a lease.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { resetEnvForTests } from '@/lib/env';
import { createRechargeOrder } from '@/lib/orders/create-order';
import { getOrderStatusForAccount } from '@/lib/orders/get-order-status';
import { generateOutTradeNo } from '@/lib/orders/out-trade-no';
import { reconcileDueOrders } from '@/lib/orders/reconcile-stale-orders';
import { resetWechatPayForTests } from '@/lib/wechat-pay';
import { balanceOf, newAccount } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness, waitFor } from '../../support/orders-harness';

let harness: OrdersHarness;
let other: ChildProcess;
let otherUrl: string;

beforeAll(async () => {
  harness = await startOrdersHarness();
  // Node itself (not npx, whose child would outlive a kill), with tsx as its loader.
  other = spawn(
    process.execPath,
    ['--conditions', 'react-server', '--import', 'tsx', 'tests/support/app-instance.ts'],
    {
      env: { ...process.env, NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  other.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const port = await waitFor(async () => /listening (\d+)/.exec(output)?.[1], { timeoutMs: 30_000 });
  otherUrl = `http://127.0.0.1:${port}`;
  // WeChat notifies the other instance about orders this one creates.
  process.env.WECHATPAY_NOTIFY_URL = `${otherUrl}/notify`;
  resetEnvForTests();
  resetWechatPayForTests();
}, 60_000);
afterAll(async () => {
  if (other && other.exitCode === null) {
    other.kill();
    await once(other, 'exit');
  }
  await harness.close();
});

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);

describe('two instances', () => {
  it('a payment notified to one is seen by polls of the other', async () => {
    const accountId = await newAccount();
    const order = await createRechargeOrder({ accountId, amountFen: 1888 });
    const pollHere = () => getOrderStatusForAccount(order.orderId, accountId, () => {});
    const pollThere = async () =>
      (await (await fetch(`${otherUrl}/status?orderId=${order.orderId}&accountId=${accountId}`)).json()) as {
        status: string;
      };
    expect((await pollHere()).status).toBe('PENDING');
    expect((await pollThere()).status).toBe('PENDING');

    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    // Only the other instance heard from WeChat; this one's poll reads what it published.
    await waitFor(async () => (await pollHere()).status === 'PAID');
    expect((await pollThere()).status).toBe('PAID');
    expect(await balanceOf(accountId)).toBe(1888n);
    const log = await harness.control<{ outcome: string; status?: number }[]>(
      'GET',
      `/sandbox/notifications?out_trade_no=${order.outTradeNo}`,
    );
    expect(log.find((e) => e.outcome === 'acknowledged')?.status).toBe(204);
  });

  it('never asks about one order twice in a lease when both sweep at once', async () => {
    const due = minutesFromNow(-1);
    const orders = await Promise.all(
      Array.from({ length: 40 }, async () =>
        getDb().paymentOrder.create({
          data: {
            accountId: await newAccount(),
            outTradeNo: generateOutTradeNo(),
            amountFen: 100,
            description: '账户余额充值',
            expiresAt: minutesFromNow(10),
            nextCheckAt: due,
          },
        }),
      ),
    );
    const now = minutesFromNow(0);
    const [here, there] = await Promise.all([
      reconcileDueOrders({ now }),
      fetch(`${otherUrl}/sweep?now=${now.toISOString()}`, { method: 'POST' }).then(
        (r) => r.json() as Promise<{ checked: number }>,
      ),
    ]);
    expect(here.checked + there.checked).toBeGreaterThanOrEqual(orders.length);
    const rows = await getDb().paymentOrder.findMany({ where: { id: { in: orders.map((o) => o.id) } } });
    expect(rows.map((r) => r.checkAttempts)).toEqual(orders.map(() => 1));
  });
});
