// What an operator's refund request records and answers: the reason on the refund and in the audit
// record, refusals the console can tell apart (code, HTTP status, the most that can be refunded), the
// route WeChat is told to notify, and a resubmitted form: a refused refund is not sent again, one still
// REQUESTED is sent again under its number and WeChat's answer (or, when that can't be verified, a
// signed query) decides what it becomes.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { AppError } from '@/lib/http/app-error';
import { readRefundable } from '@/lib/refunds/refundable';
import { balanceOf, createOrderFor, newAccount } from '../../support/orders-fixtures';
import { waitFor, withEnv } from '../../support/orders-harness';
import { setUpRefundsHarness } from '../../support/refunds-fixtures';

const harness = setUpRefundsHarness({ operator: true });
const { paidOrder, refund, wechatFails } = harness;

/** The refunds WeChat holds for an order, as the sandbox lists them. */
const atWechat = (outTradeNo: string) =>
  harness.control<{ out_refund_no: string; status: string; notify_url: string | null }[]>(
    'GET',
    `/sandbox/refunds?out_trade_no=${outTradeNo}`,
  );
const refundCalls = async () =>
  (await harness.control<{ calls: { refund: number } }>('GET', '/sandbox/stats')).calls.refund;

/** What the promise was rejected with. */
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

describe('a refund request', () => {
  it('records the reason on the refund and in the audit record, and none when none is given', async () => {
    const { outTradeNo } = await paidOrder(1000);
    const withReason = await refund(outTradeNo, 300, { reason: '用户误充' });
    const without = await refund(outTradeNo, 200);
    expect(withReason.reason).toBe('用户误充');
    expect(without.reason).toBeNull();
    const audit = await getDb().adminAction.findMany({
      where: { target: outTradeNo, action: 'refund.request' },
      orderBy: { createdAt: 'asc' },
    });
    expect(audit.map((a) => [a.actorId, a.details])).toEqual([
      [harness.operatorId, { outRefundNo: withReason.outRefundNo, amountFen: 300, reason: '用户误充' }],
      [harness.operatorId, { outRefundNo: without.outRefundNo, amountFen: 200, reason: null }],
    ]);
  });

  it('is refused with a code the console can tell apart, and the most that can be refunded', async () => {
    const { outTradeNo } = await paidOrder(1000);
    await refund(outTradeNo, 600);
    expect(await refusal(refund(outTradeNo, 500))).toMatchObject({
      code: 'unprocessable_entity',
      status: 422,
      message: '退款金额超过可退金额：最多可退 ¥4.00',
      details: { refundableFen: 400 },
    });
    expect(await refusal(refund(outTradeNo, 1.5))).toMatchObject({
      code: 'bad_request',
      status: 400,
      message: '退款金额必须是大于 0 的金额',
    });
    expect(await refusal(refund('RCNOSUCHORDER02', 100))).toMatchObject({
      code: 'not_found',
      status: 404,
      message: '订单 RCNOSUCHORDER02 不存在',
    });
    const unpaid = await createOrderFor(await newAccount(), 500);
    const conflict = await refusal(refund(unpaid.outTradeNo, 100));
    expect(conflict).toBeInstanceOf(AppError);
    expect(conflict).toMatchObject({ code: 'conflict', status: 409, message: '只有已支付的订单可以退款' });
  });

  it('gives back no more than the balance still holds when the money has left it otherwise', async () => {
    const { accountId, outTradeNo } = await paidOrder(1000);
    // The money has left the balance some other way (a spending feature, say): only 300 remains.
    await getDb().account.update({ where: { id: accountId }, data: { balanceFen: 300n } });
    expect(await readRefundable(outTradeNo)).toMatchObject({ remainingFen: 1000, refundableFen: 300 });
    expect(await refusal(refund(outTradeNo, 400))).toMatchObject({
      code: 'unprocessable_entity',
      message: '退款金额超过可退金额：最多可退 ¥3.00',
      details: { refundableFen: 300 },
    });
    expect(await atWechat(outTradeNo)).toEqual([]);
    expect((await refund(outTradeNo, 300)).status).toBe('PROCESSING');
    expect(await balanceOf(accountId)).toBe(0n);
  });
});

describe('the refund notify URL WeChat is given', () => {
  it('is the configured one when there is one', async () => {
    const { outTradeNo } = await paidOrder(500);
    const configured = new URL('/api/wechat-pay/refund-notify/configured', process.env.WECHATPAY_NOTIFY_URL);
    const requested = await withEnv({ WECHATPAY_REFUND_NOTIFY_URL: configured.toString() }, () =>
      refund(outTradeNo, 100),
    );
    expect((await atWechat(outTradeNo)).map((r) => [r.out_refund_no, r.notify_url])).toEqual([
      [requested.outRefundNo, configured.toString()],
    ]);
  });

  it('is the refund route beside the payment notify URL otherwise, and its notification is applied', async () => {
    const { outTradeNo } = await paidOrder(500);
    const requested = await withEnv({ WECHATPAY_REFUND_NOTIFY_URL: '' }, () => refund(outTradeNo, 100));
    const [sent] = await atWechat(outTradeNo);
    expect(sent?.notify_url).toBe(
      new URL('/api/wechat-pay/refund-notify', process.env.WECHATPAY_NOTIFY_URL).toString(),
    );
    await waitFor(async () => {
      const row = await getDb().refund.findUniqueOrThrow({ where: { id: requested.id } });
      return row.status === 'SUCCESS';
    });
    const notified = await getDb().paymentNotification.findMany({
      where: { outRefundNo: requested.outRefundNo },
    });
    expect(notified.map((n) => [n.eventType, n.outcome])).toEqual([['REFUND.SUCCESS', 'applied']]);
  });
});

describe('a resubmitted refund form (the same key)', () => {
  it('answers a refused refund as it is, without asking WeChat again', async () => {
    const { accountId, outTradeNo } = await paidOrder(700);
    await harness.control('POST', '/sandbox/faults/refunds', { notEnough: 1 });
    const idempotencyKey = randomUUID();
    const refused = await refund(outTradeNo, 700, { idempotencyKey });
    expect(refused.status).toBe('REJECTED');
    const calls = await refundCalls();
    const again = await refund(outTradeNo, 700, { idempotencyKey });
    expect(again).toMatchObject({ id: refused.id, status: 'REJECTED' });
    // Nothing was sent: no refund at WeChat, the money stays, nothing for an operator to untangle.
    expect(await refundCalls()).toBe(calls);
    expect(await atWechat(outTradeNo)).toEqual([]);
    expect(await balanceOf(accountId)).toBe(700n);
    expect(await getDb().paymentException.count({ where: { outTradeNo } })).toBe(0);
  });

  /** A refund WeChat took whose answer was lost (REQUESTED here), that WeChat has since ended ABNORMAL unnoticed. */
  async function requestedHereAbnormalThere() {
    const { accountId, outTradeNo } = await paidOrder(800);
    await harness.control('POST', '/sandbox/faults/refunds', { hold: true });
    await wechatFails({ endpoint: 'refund', kind: 'system-error', count: 1, afterProcessing: true });
    const idempotencyKey = randomUUID();
    const requested = await refund(outTradeNo, 300, { idempotencyKey });
    expect(requested.status).toBe('REQUESTED');
    await harness.control('POST', '/sandbox/faults/notifications', { lose: 1 });
    await harness.control('POST', '/sandbox/refunds/outcome', {
      out_refund_no: requested.outRefundNo,
      status: 'ABNORMAL',
    });
    return { accountId, outTradeNo, idempotencyKey, requested };
  }

  const abnormalException = (outTradeNo: string) =>
    getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_ABNORMAL', outTradeNo } },
    });

  it("sends a refund still REQUESTED again under its number and applies WeChat's answer", async () => {
    const { accountId, outTradeNo, idempotencyKey, requested } = await requestedHereAbnormalThere();
    const again = await refund(outTradeNo, 300, { idempotencyKey });
    expect(again).toMatchObject({ id: requested.id, status: 'ABNORMAL' });
    expect((await abnormalException(outTradeNo)).details).toEqual({
      via: 'create',
      outRefundNo: requested.outRefundNo,
      amountFen: 300,
      userReceivedAccount: expect.any(String),
    });
    expect((await atWechat(outTradeNo)).map((r) => r.out_refund_no)).toEqual([requested.outRefundNo]);
    expect(await balanceOf(accountId)).toBe(500n);
  });

  it('asks WeChat (a signed query) when its answer to the resend fails verification, and applies that', async () => {
    const { accountId, outTradeNo, idempotencyKey, requested } = await requestedHereAbnormalThere();
    await wechatFails({ endpoint: 'refund', kind: 'bad-signature', count: 1 });
    const again = await refund(outTradeNo, 300, { idempotencyKey });
    expect(again).toMatchObject({ id: requested.id, status: 'ABNORMAL' });
    expect((await abnormalException(outTradeNo)).details).toMatchObject({
      via: 'query',
      outRefundNo: requested.outRefundNo,
    });
    expect(await balanceOf(accountId)).toBe(500n);
  });
});
