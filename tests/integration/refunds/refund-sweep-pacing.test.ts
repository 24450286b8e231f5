// How much one run of the refund sweep takes on: no more refunds than it is given (in batches), nothing
// once its time is up, and nothing more once WeChat Pay's background lane is paused, leaving the
// refund it could not ask about for after the pause and the ones it had claimed for after their lease.
// A database of its own (the sweep takes every due refund) and a merchant id of its own (pausing the
// lane here must not pause other test files' calls).
import { afterEach, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { getEnv } from '@/lib/env';
import type { Refund } from '@/lib/generated/prisma/client';
import { coolDownWechatPayLane } from '@/lib/rate-limit/wechat-pay-budget';
import { getRedis } from '@/lib/redis';
import { learnRefundsOf } from '@/lib/refunds/learn-refunds';
import { reconcileDueRefunds } from '@/lib/refunds/reconcile-refunds';
import { captureLogs } from '../../support/logs';
import { balanceOf } from '../../support/orders-fixtures';
import { setUpRefundsHarness } from '../../support/refunds-fixtures';

// Refunds accepted stay PROCESSING at WeChat: each one is due for the sweep until it is asked about.
// Each case sweeps its own refunds only: the earlier cases' are taken out of the sweep.
const harness = setUpRefundsHarness({
  freshDatabase: true,
  ownMerchant: true,
  operator: true,
  holdRefunds: true,
  sweepEachCaseAlone: true,
});
afterEach(async () => {
  // This merchant's background lane unpaused (keys as lib/rate-limit/wechat-pay-budget.ts names them).
  const lane = `${getEnv().WECHATPAY_MCHID}:background`;
  await getRedis().del(`wechatpay-budget:cooldown:${lane}`, `wechatpay-budget:strikes:${lane}`);
});

/** `count` refunds of 1 fen, PROCESSING at WeChat, on one paid order. */
async function processingRefunds(count: number) {
  const order = await harness.paidOrder(100);
  const refunds: Refund[] = [];
  for (let i = 0; i < count; i++) {
    const refund = await harness.refund(order.outTradeNo, 1);
    expect(refund.status).toBe('PROCESSING');
    refunds.push(refund);
  }
  return { ...order, refunds, first: refunds[0] as Refund };
}

const refundQueries = async () =>
  (await harness.control<{ calls: Record<string, number> }>('GET', '/sandbox/stats')).calls['refund-query'] ??
  0;

const rows = (ids: string[]) =>
  getDb().refund.findMany({ where: { id: { in: ids } }, orderBy: { nextCheckAt: 'asc' } });

describe('one run of the refund sweep', () => {
  it('asks about no more refunds than it is given, in batches, leaving the rest due', async () => {
    const { refunds } = await processingRefunds(23);
    const ids = refunds.map((r) => r.id);
    const now = new Date(Date.now() + 10 * 60_000);
    const before = await refundQueries();

    expect(await reconcileDueRefunds({ now, maxRefunds: 1 })).toEqual({
      checked: 1,
      failed: 0,
      throttled: false,
    });
    // More than one batch (20): all 21 asked about, no more.
    expect(await reconcileDueRefunds({ now, maxRefunds: 21 })).toEqual({
      checked: 21,
      failed: 0,
      throttled: false,
    });
    expect((await rows(ids)).filter((r) => r.checkAttempts === 0)).toHaveLength(1);
    expect(await refundQueries()).toBe(before + 22);

    expect(await reconcileDueRefunds({ now })).toEqual({ checked: 1, failed: 0, throttled: false });
    expect((await rows(ids)).every((r) => r.checkAttempts === 1)).toBe(true);
  });

  it('asks about nothing once its time is up', async () => {
    const { first } = await processingRefunds(1);
    const now = new Date(Date.now() + 10 * 60_000);
    const before = await refundQueries();

    expect(await reconcileDueRefunds({ now, maxDurationMs: 0 })).toEqual({
      checked: 0,
      failed: 0,
      throttled: false,
    });
    expect(await refundQueries()).toBe(before);
    expect((await getDb().refund.findUniqueOrThrow({ where: { id: first.id } })).checkAttempts).toBe(0);

    expect((await reconcileDueRefunds({ now })).checked).toBe(1);
  });

  it('stops while WeChat Pay’s background lane is paused: the refund it reached is due after the pause, the one it had claimed after its lease', async () => {
    const { refunds } = await processingRefunds(2);
    const now = new Date(Date.now() + 10 * 60_000);
    // WeChat answered 429 three times in a row: the lane pauses for 4 s.
    for (let i = 0; i < 3; i++) await coolDownWechatPayLane('background');
    const before = await refundQueries();

    expect(await reconcileDueRefunds({ now })).toEqual({ checked: 1, failed: 0, throttled: true });
    expect(await refundQueries()).toBe(before);
    const swept = await rows(refunds.map((r) => r.id));
    expect(swept).toHaveLength(2);
    const [reached, claimed] = swept as [Refund, Refund];
    // Due again once the pause is over (4 s, or 3 if a second of it went by before the sweep).
    expect([3_000, 4_000]).toContain((reached.nextCheckAt?.getTime() ?? 0) - now.getTime());
    // Claimed in the same batch, not asked about: its two-minute lease keeps every sweep off it till then.
    expect(claimed.nextCheckAt?.getTime()).toBe(now.getTime() + 2 * 60_000);
    expect(claimed.checkAttempts).toBe(1);

    // The pause over: the one it reached is asked about, the claimed one only once its lease is up.
    await getRedis().del(`wechatpay-budget:cooldown:${getEnv().WECHATPAY_MCHID}:background`);
    expect(await reconcileDueRefunds({ now: new Date(now.getTime() + 119_000) })).toEqual({
      checked: 1,
      failed: 0,
      throttled: false,
    });
    expect((await getDb().refund.findUniqueOrThrow({ where: { id: claimed.id } })).checkAttempts).toBe(1);
    expect(await reconcileDueRefunds({ now: new Date(now.getTime() + 120_000) })).toEqual({
      checked: 1,
      failed: 0,
      throttled: false,
    });
    expect((await getDb().refund.findUniqueOrThrow({ where: { id: claimed.id } })).checkAttempts).toBe(2);
    expect(await refundQueries()).toBe(before + 2);
  });
});

describe('learning the refunds of a transaction WeChat reports refunded', () => {
  it('asks WeChat nothing while the background lane is paused, and fails nothing: the sweep asks later', async () => {
    const { orderId, outTradeNo, accountId, first } = await processingRefunds(1);
    await coolDownWechatPayLane('background');
    const before = await refundQueries();
    const logs = captureLogs();

    try {
      await expect(learnRefundsOf({ id: orderId, outTradeNo })).resolves.toBeUndefined();
    } finally {
      logs.restore();
    }
    expect(await refundQueries()).toBe(before);
    const warned = logs
      .lines()
      .filter((l) => l.msg === 'refund query failed; the refund sweep will ask again');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 40, module: 'refunds', outRefundNo: first.outRefundNo });
    const row = await getDb().refund.findUniqueOrThrow({ where: { id: first.id } });
    expect(row.status).toBe('PROCESSING');
    expect(row.nextCheckAt).not.toBeNull();
    expect(await balanceOf(accountId)).toBe(99n);
    // Our refund under way counts as recorded: no exception.
    expect(await getDb().paymentException.count({ where: { outTradeNo } })).toBe(0);
  });
});
