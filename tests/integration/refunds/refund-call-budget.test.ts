// Refunds within the shared budget of calls to WeChat Pay (lib/rate-limit/wechat-pay-budget.ts): an
// operator's refund request is sent in creation's lane, confirming a refusal (a query) is background
// work. A call in a lane WeChat asked us to pause (429 FREQUENCY_LIMITED) is not made: the refund stays
// held and REQUESTED for the sweep. Under a merchant id of this run's own, so that other test files'
// calls don't share these lanes; each case starts from full buckets and no pause.
import { beforeEach, describe, expect, it } from 'vitest';
import { getEnv } from '@/lib/env';
import { coolDownWechatPayLane, type WechatPayLane } from '@/lib/rate-limit/wechat-pay-budget';
import { getRedis } from '@/lib/redis';
import { captureLogs } from '../../support/logs';
import { balanceOf } from '../../support/orders-fixtures';
import { setUpRefundsHarness } from '../../support/refunds-fixtures';

const harness = setUpRefundsHarness({ ownMerchant: true, operator: true });
const { refund } = harness;

/** Empties this merchant's buckets, cooldowns and strike counts (keys as wechat-pay-budget.ts names them). */
const fullBuckets = async () => {
  const mchid = getEnv().WECHATPAY_MCHID;
  await getRedis().del(
    ...['create', 'background'].flatMap((lane) => [
      `wechatpay-budget:${mchid}:${lane}`,
      `wechatpay-budget:cooldown:${mchid}:${lane}`,
      `wechatpay-budget:strikes:${mchid}:${lane}`,
    ]),
  );
};
beforeEach(fullBuckets);

/** A paid order, the calls its payment took given back: the case starts from full buckets. */
async function paidOrder(amountFen: number) {
  const order = await harness.paidOrder(amountFen);
  await fullBuckets();
  return order;
}

/** WeChat answered 429 again and again: the lane pauses for half a minute (1 s, doubling each time). */
async function pauseLane(lane: WechatPayLane) {
  for (let strike = 0; strike < 6; strike++) await coolDownWechatPayLane(lane);
}

const calls = async () =>
  (await harness.control<{ calls: { refund: number; 'refund-query': number } }>('GET', '/sandbox/stats'))
    .calls;

describe('a refund request', () => {
  it('is sent in creation’s lane: with that lane paused it is held, not sent, and left for the sweep with a warning', async () => {
    const { accountId, outTradeNo } = await paidOrder(600);
    const before = await calls();
    const logs = captureLogs();
    try {
      await pauseLane('create');
      const requested = await refund(outTradeNo, 200);
      expect(requested.status).toBe('REQUESTED');
      expect(logs.lines()).toContainEqual(
        expect.objectContaining({
          level: 40,
          module: 'refunds',
          outRefundNo: requested.outRefundNo,
          msg: 'refund request unanswered; the sweep will ask',
        }),
      );
    } finally {
      logs.restore();
    }
    expect((await calls()).refund).toBe(before.refund);
    expect(await balanceOf(accountId)).toBe(400n);
  });

  it('is not held up by a pause of the background lane', async () => {
    const { accountId, outTradeNo } = await paidOrder(600);
    await pauseLane('background');
    expect((await refund(outTradeNo, 200)).status).toBe('PROCESSING');
    expect(await balanceOf(accountId)).toBe(400n);
  });
});

describe('a refusal', () => {
  it('is confirmed as background work: with that lane paused the refund stays held and REQUESTED', async () => {
    const { accountId, outTradeNo } = await paidOrder(600);
    await harness.control('POST', '/sandbox/faults/refunds', { notEnough: 1 });
    const before = await calls();
    await pauseLane('background');
    const requested = await refund(outTradeNo, 600);
    // WeChat refused (NOT_ENOUGH), but that isn't confirmed by a signed query yet: the hold stays.
    expect(requested.status).toBe('REQUESTED');
    expect(await balanceOf(accountId)).toBe(0n);
    expect(await calls()).toEqual({
      ...before,
      refund: before.refund + 1,
      'refund-query': before['refund-query'],
    });
  });
});
