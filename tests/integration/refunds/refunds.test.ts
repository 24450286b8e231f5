// Refunds end to end against the WeChat Pay sandbox: the hold, WeChat's answer, refund notifications
// (signed, encrypted, duplicated, out of order), failures giving the hold back once, refunds made in
// the merchant portal, and the database refusing what the code must never do.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mergeVisitorAccount } from '@/lib/accounts/merge-visitor-account';
import { endAbnormal, holdUncoveredRefund } from '@/lib/admin/refunds';
import { getDb } from '@/lib/db';
import { AppError } from '@/lib/http/app-error';
import { reconcileOrderNow } from '@/lib/orders/reconcile-order';
import { applyRefundState } from '@/lib/refunds/apply-refund-state';
import { reconcileDueRefunds } from '@/lib/refunds/reconcile-refunds';
import { readRefundable } from '@/lib/refunds/refundable';
import { ledgerSum, newUser } from '../../support/accounts-fixtures';
import { balanceOf, createOrderFor, newAccount } from '../../support/orders-fixtures';
import { waitFor } from '../../support/orders-harness';
import { refundRow, setUpRefundsHarness, wechatRefund } from '../../support/refunds-fixtures';

const harness = setUpRefundsHarness({ operator: true });
const { paidOrder, portalRefund, wechatFinishes, wechatFails } = harness;

/** The operator's refund, with a reason (a new form key unless one is given). */
const refund = (outTradeNo: string, amountFen: number, idempotencyKey?: string) =>
  harness.refund(outTradeNo, amountFen, { reason: '测试退款', idempotencyKey });

describe('refunds', () => {
  it('holds the balance at once, then succeeds through WeChat and its notification', async () => {
    const { accountId, outTradeNo } = await paidOrder(1000);
    const requested = await refund(outTradeNo, 300);
    expect(requested.status).toBe('PROCESSING');
    expect(requested.wechatRefundId).toBeTruthy();
    expect(await balanceOf(accountId)).toBe(700n);
    const done = await waitFor(async () => {
      const row = await refundRow(requested.outRefundNo);
      return row.status === 'SUCCESS' ? row : null;
    });
    expect(done.succeededAt).toBeInstanceOf(Date);
    expect(done.nextCheckAt).toBeNull();
    expect(await balanceOf(accountId)).toBe(700n);
    expect(await ledgerSum(accountId)).toBe(700n);
    const order = await getDb().paymentOrder.findUniqueOrThrow({ where: { outTradeNo } });
    expect(order.refundedFen).toBe(300);
    const notified = await getDb().paymentNotification.findMany({
      where: { outRefundNo: requested.outRefundNo },
    });
    expect(notified.map((n) => [n.eventType, n.outcome])).toEqual([['REFUND.SUCCESS', 'applied']]);
    const audit = await getDb().adminAction.findMany({ where: { target: outTradeNo } });
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([['refund.request', harness.operatorId]]);
  });

  it('makes one refund of a double click (same form key), concurrently or again later', async () => {
    const { accountId, outTradeNo } = await paidOrder(800);
    const key = randomUUID();
    const [a, b] = await Promise.all([refund(outTradeNo, 500, key), refund(outTradeNo, 500, key)]);
    const again = await refund(outTradeNo, 500, key);
    expect(new Set([a.id, b.id, again.id]).size).toBe(1);
    expect(await balanceOf(accountId)).toBe(300n);
    expect(await getDb().refund.count({ where: { order: { outTradeNo } } })).toBe(1);
  });

  it('refuses more than the order has left, with a clear message, changing nothing', async () => {
    const { accountId, outTradeNo } = await paidOrder(1000);
    await refund(outTradeNo, 600);
    const refused = refund(outTradeNo, 500);
    await expect(refused).rejects.toBeInstanceOf(AppError);
    await expect(refused).rejects.toThrow('退款金额超过可退金额：最多可退 ¥4.00');
    expect(await balanceOf(accountId)).toBe(400n);
    expect(await getDb().refund.count({ where: { order: { outTradeNo } } })).toBe(1);
    await expect(refund(outTradeNo, 0)).rejects.toThrow('退款金额必须是大于 0 的金额');
  });

  it('counts what an order has left from its own refunds, not from the balance other orders fill', async () => {
    const { accountId, outTradeNo } = await paidOrder(1000);
    // A second recharge on the same account: the balance (1500) is more than this order has left.
    const second = await paidOrder(500, { accountId });
    await refund(outTradeNo, 600);
    expect(await readRefundable(outTradeNo)).toEqual({
      orderId: expect.any(String),
      outTradeNo,
      orderAmountFen: 1000,
      status: 'PAID',
      accountId,
      balanceFen: 900n,
      remainingFen: 400,
      refundableFen: 400,
    });
    await expect(refund(outTradeNo, 401)).rejects.toThrow('最多可退 ¥4.00');
    expect((await refund(outTradeNo, 400)).amountFen).toBe(400);
    expect(await readRefundable(outTradeNo)).toMatchObject({
      remainingFen: 0,
      refundableFen: 0,
      balanceFen: 500n,
    });
    expect(await readRefundable(second.outTradeNo)).toMatchObject({ remainingFen: 500, refundableFen: 500 });
  });

  it('shows nothing refundable on an order that is not paid, and names an order that does not exist', async () => {
    // The account holds money (another, paid order): the unpaid one still has nothing to give back.
    const { accountId } = await paidOrder(1000);
    const order = await createOrderFor(accountId, 700);
    expect(await readRefundable(order.outTradeNo)).toMatchObject({
      status: 'PENDING',
      orderAmountFen: 700,
      remainingFen: 700,
      refundableFen: 0,
      balanceFen: 1000n,
    });
    await expect(readRefundable('RCNOSUCHORDER01')).rejects.toThrow('order RCNOSUCHORDER01 not found');
  });

  it("takes a refund's hold from the wallet at the end of the merge chain", async () => {
    const { accountId, outTradeNo } = await paidOrder(800);
    const userId = await newUser();
    expect((await mergeVisitorAccount(accountId, userId)).merged).toBe(true);
    expect(await readRefundable(outTradeNo)).toMatchObject({
      accountId: userId,
      balanceFen: 800n,
      refundableFen: 800,
    });
    const held = await refund(outTradeNo, 300);
    expect(held.accountId).toBe(userId);
    expect(await balanceOf(userId)).toBe(500n);
  });

  it('refuses to refund an order that is not paid, or that does not exist', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 500);
    await expect(refund(order.outTradeNo, 100)).rejects.toThrow('只有已支付的订单可以退款');
    await expect(refund('RCNOSUCHORDER00', 100)).rejects.toThrow('不存在');
  });

  it('gives the hold back once when the refund ends CLOSED, whatever repeats', async () => {
    const { accountId, outTradeNo } = await paidOrder(900);
    await harness.control('POST', '/sandbox/faults/refunds', { hold: true });
    const requested = await refund(outTradeNo, 400);
    expect(await balanceOf(accountId)).toBe(500n);
    await wechatFinishes(requested.outRefundNo, 'CLOSED');
    // WeChat tells us again (a retried notification), and a query says the same.
    await harness.control('POST', '/sandbox/refunds/notify', { out_refund_no: requested.outRefundNo });
    await waitFor(
      async () =>
        (await getDb().paymentNotification.count({ where: { outRefundNo: requested.outRefundNo } })) === 2,
    );
    expect(await applyRefundState(await wechatRefund(requested.outRefundNo), { via: 'query' })).toBe(
      'unchanged',
    );
    expect(await balanceOf(accountId)).toBe(900n);
    expect(await ledgerSum(accountId)).toBe(900n);
    const entries = await getDb().ledgerEntry.findMany({
      where: { refundId: requested.id },
      orderBy: { createdAt: 'asc' },
    });
    expect(entries.map((e) => [e.kind, e.amountFen])).toEqual([
      ['REFUND', -400n],
      ['REFUND_RETURN', 400n],
    ]);
    expect((await getDb().paymentOrder.findUniqueOrThrow({ where: { outTradeNo } })).refundedFen).toBe(0);
  });

  it('keeps an ABNORMAL refund held, with an exception, until an operator ends it: the hold then goes back once', async () => {
    const { accountId, outTradeNo } = await paidOrder(900);
    await harness.control('POST', '/sandbox/faults/refunds', { hold: true });
    const requested = await refund(outTradeNo, 400);
    const abnormal = await wechatFinishes(requested.outRefundNo, 'ABNORMAL');
    // WeChat couldn't pay it out, but may still (completed in the merchant portal): held, still swept.
    expect(await balanceOf(accountId)).toBe(500n);
    expect(abnormal.nextCheckAt).not.toBeNull();
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_ABNORMAL', outTradeNo } },
    });
    expect(exception.status).toBe('OPEN');
    // An operator decides it won't be completed: the hold goes back, once.
    const ended = await endAbnormal(abnormal.id, harness.operatorId, '已线下退款');
    expect(ended.ok).toBe(true);
    await expect(endAbnormal(abnormal.id, harness.operatorId, '再次')).rejects.toThrow('不是“退款异常”状态');
    expect((await refundRow(requested.outRefundNo)).status).toBe('CLOSED');
    expect(await balanceOf(accountId)).toBe(900n);
    expect(await ledgerSum(accountId)).toBe(900n);
    const resolved = await getDb().paymentException.findUniqueOrThrow({ where: { id: exception.id } });
    expect(resolved.status).toBe('RESOLVED');
    const audit = await getDb().adminAction.findMany({
      where: { target: outTradeNo, action: 'refund.end-abnormal' },
    });
    expect(audit).toHaveLength(1);
  });

  it('lets an ABNORMAL refund that WeChat completes succeed, keeping the hold', async () => {
    const { accountId, outTradeNo } = await paidOrder(600);
    await harness.control('POST', '/sandbox/faults/refunds', { hold: true });
    const requested = await refund(outTradeNo, 100);
    const abnormal = { ...(await wechatRefund(requested.outRefundNo)), status: 'ABNORMAL' as const };
    expect(await applyRefundState(abnormal, { via: 'query' })).toBe('applied');
    expect(await applyRefundState({ ...abnormal, status: 'SUCCESS' }, { via: 'query' })).toBe('applied');
    expect((await refundRow(requested.outRefundNo)).status).toBe('SUCCESS');
    expect(await balanceOf(accountId)).toBe(500n);
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_ABNORMAL', outTradeNo } },
    });
    expect(exception.status).toBe('RESOLVED');
  });

  it('gives a hold back to the wallet the visitor account was merged into meanwhile', async () => {
    const { accountId, outTradeNo } = await paidOrder(1000);
    await harness.control('POST', '/sandbox/faults/refunds', { hold: true });
    const requested = await refund(outTradeNo, 400);
    const userId = await newUser();
    expect((await mergeVisitorAccount(accountId, userId)).merged).toBe(true);
    expect(await balanceOf(userId)).toBe(600n);
    await wechatFinishes(requested.outRefundNo, 'CLOSED');
    expect(await balanceOf(userId)).toBe(1000n);
    expect(await balanceOf(accountId)).toBe(0n);
  });

  it('gives the hold back when WeChat refuses the refund (NOT_ENOUGH), and says why', async () => {
    const { accountId, outTradeNo } = await paidOrder(700);
    await harness.control('POST', '/sandbox/faults/refunds', { notEnough: 1 });
    const refused = await refund(outTradeNo, 700);
    expect(refused.status).toBe('REJECTED');
    expect(refused.failureReason).toContain('NOT_ENOUGH');
    expect(await balanceOf(accountId)).toBe(700n);
    // The amount is refundable again.
    const second = await refund(outTradeNo, 700);
    expect(second.status).toBe('PROCESSING');
    expect(await balanceOf(accountId)).toBe(0n);
  });

  it('ignores notifications that arrive out of order or twice: a final refund stays final', async () => {
    const { accountId, outTradeNo } = await paidOrder(600);
    const requested = await refund(outTradeNo, 200);
    await waitFor(async () => (await refundRow(requested.outRefundNo)).status === 'SUCCESS');
    const late = {
      refundId: requested.wechatRefundId ?? '',
      outRefundNo: requested.outRefundNo,
      transactionId: '',
      outTradeNo,
      refundFen: 200,
      totalFen: 600,
    };
    expect(await applyRefundState({ ...late, status: 'PROCESSING' }, { via: 'query' })).toBe('unchanged');
    expect(
      await applyRefundState(
        { ...late, status: 'SUCCESS' },
        { via: 'notification', notificationId: `EV-${randomUUID()}` },
      ),
    ).toBe('unchanged');
    expect((await refundRow(requested.outRefundNo)).status).toBe('SUCCESS');
    // A final state WeChat contradicts (SUCCESS here, CLOSED there) is left for a person.
    expect(await applyRefundState({ ...late, status: 'CLOSED' }, { via: 'query' })).toBe('mismatch');
    expect(await balanceOf(accountId)).toBe(400n);
    expect(
      await getDb().paymentException.count({
        where: { kind: 'REFUND_MISMATCH', outTradeNo, status: 'OPEN' },
      }),
    ).toBe(1);
  });

  it('records and holds a refund made in the merchant portal, once, from its notification', async () => {
    const { accountId, outTradeNo } = await paidOrder(1000);
    await harness.control('POST', '/sandbox/faults/notifications', { duplicate: 3 });
    const outRefundNo = await portalRefund(outTradeNo, 250);
    const recorded = await waitFor(async () => {
      const row = await getDb().refund.findUnique({ where: { outRefundNo } });
      return row?.status === 'SUCCESS' ? row : null;
    });
    expect(recorded.origin).toBe('WECHAT');
    expect(recorded.held).toBe(true);
    await waitFor(async () => (await getDb().paymentNotification.count({ where: { outRefundNo } })) >= 1);
    expect(await balanceOf(accountId)).toBe(750n);
    expect(await getDb().refund.count({ where: { order: { outTradeNo } } })).toBe(1);
  });

  it('records a portal refund the balance cannot cover without debiting it, and opens an exception', async () => {
    const { accountId, outTradeNo } = await paidOrder(500);
    // The money has left the balance some other way (a spending feature, say): only 50 remains.
    await getDb().account.update({ where: { id: accountId }, data: { balanceFen: 50n } });
    const outRefundNo = await portalRefund(outTradeNo, 100);
    const recorded = await waitFor(() => getDb().refund.findUnique({ where: { outRefundNo } }));
    expect(recorded.held).toBe(false);
    expect(await balanceOf(accountId)).toBe(50n);
    expect(await getDb().ledgerEntry.count({ where: { refundId: recorded.id } })).toBe(0);
    const exception = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_NOT_COVERED', outTradeNo } },
    });
    expect(exception.details).toMatchObject({
      outRefundNo,
      refundFen: 100,
      balanceFen: '50',
    });

    // Not while the balance can't cover it; once the payer recharged, an operator takes the hold, once.
    await expect(holdUncoveredRefund(recorded.id, harness.operatorId)).rejects.toThrow('余额不足');
    await paidOrder(500, { accountId });
    expect(await holdUncoveredRefund(recorded.id, harness.operatorId)).toEqual({
      ok: true,
      message: '已从余额补扣 ¥1.00',
    });
    await expect(holdUncoveredRefund(recorded.id, harness.operatorId)).rejects.toThrow('该退款不需要补扣');
    expect(await balanceOf(accountId)).toBe(450n);
    expect((await getDb().paymentException.findUniqueOrThrow({ where: { id: exception.id } })).status).toBe(
      'RESOLVED',
    );
    const audit = await getDb().adminAction.findMany({
      where: { target: outTradeNo, action: 'refund.hold-uncovered' },
    });
    expect(audit.map((a) => a.actorId)).toEqual([harness.operatorId]);
  });

  it('credits a transaction WeChat reports as REFUND and opens REFUND_NOT_RECORDED until its refund is learned', async () => {
    const { accountId, ...order } = await paidOrder(900, { notify: false });
    // Refunded in the portal before we heard of the payment, with no refund notify URL configured there.
    await portalRefund(order.outTradeNo, 300, { notify: false });
    await waitFor(async () => {
      const refunds = await harness.control<{ status: string }[]>(
        'GET',
        `/sandbox/refunds?out_trade_no=${order.outTradeNo}`,
      );
      return refunds[0]?.status === 'SUCCESS';
    });
    await reconcileOrderNow(order.orderId);
    expect(await balanceOf(accountId)).toBe(900n);
    const open = await getDb().paymentException.findUniqueOrThrow({
      where: { kind_outTradeNo: { kind: 'REFUND_NOT_RECORDED', outTradeNo: order.outTradeNo } },
    });
    expect(open.status).toBe('OPEN');
  });
});

describe('the refund sweep', () => {
  it('sends a refund WeChat never received again, with the same number, once', async () => {
    const { accountId, outTradeNo } = await paidOrder(1000);
    // The create call fails before WeChat records anything: the refund stays REQUESTED (held).
    await wechatFails({ endpoint: 'refund', kind: 'system-error', count: 1 });
    const requested = await refund(outTradeNo, 300);
    expect(requested.status).toBe('REQUESTED');
    expect(await balanceOf(accountId)).toBe(700n);
    await reconcileDueRefunds({ now: new Date(Date.now() + 60_000) });
    const row = await refundRow(requested.outRefundNo);
    expect(['PROCESSING', 'SUCCESS']).toContain(row.status);
    const atWechat = await harness.control<{ out_refund_no: string }[]>(
      'GET',
      `/sandbox/refunds?out_trade_no=${outTradeNo}`,
    );
    expect(atWechat.map((r) => r.out_refund_no)).toEqual([requested.outRefundNo]);
    expect(await balanceOf(accountId)).toBe(700n);
  });

  it('learns the outcome of a refund whose answer was lost after WeChat took it, without a second refund', async () => {
    const { accountId, outTradeNo } = await paidOrder(1000);
    await wechatFails({ endpoint: 'refund', kind: 'system-error', count: 1, afterProcessing: true });
    const requested = await refund(outTradeNo, 250);
    expect(requested.status).toBe('REQUESTED');
    await reconcileDueRefunds({ now: new Date(Date.now() + 60_000) });
    await waitFor(async () => (await refundRow(requested.outRefundNo)).status === 'SUCCESS');
    const atWechat = await harness.control<unknown[]>('GET', `/sandbox/refunds?out_trade_no=${outTradeNo}`);
    expect(atWechat).toHaveLength(1);
    expect(await balanceOf(accountId)).toBe(750n);
    expect(await ledgerSum(accountId)).toBe(750n);
  });
});

describe('the database refuses', () => {
  it('a refund without its hold, a second return, reopening a final refund, and refunding past the amount', async () => {
    const { accountId, outTradeNo, orderId } = await paidOrder(500);
    const requested = await refund(outTradeNo, 200);
    await waitFor(async () => (await refundRow(requested.outRefundNo)).status === 'SUCCESS');
    const db = getDb();
    await expect(
      db.refund.create({ data: { outRefundNo: `RFX${Date.now()}`, orderId, accountId, amountFen: 100 } }),
    ).rejects.toThrow(/hold/);
    await expect(
      db.refund.update({ where: { id: requested.id }, data: { status: 'PROCESSING' } }),
    ).rejects.toThrow(/final/);
    await expect(
      db.ledgerEntry.create({
        data: { accountId, refundId: requested.id, kind: 'REFUND_RETURN', amountFen: 200 },
      }),
    ).rejects.toThrow();
    await expect(
      db.$transaction(async (tx) => {
        const r = await tx.refund.create({
          data: { outRefundNo: `RFY${Date.now()}`, orderId, accountId, amountFen: 301 },
        });
        await tx.ledgerEntry.create({ data: { accountId, refundId: r.id, kind: 'REFUND', amountFen: -301 } });
      }),
    ).rejects.toThrow(/refunded_within_amount/);
    expect(await balanceOf(accountId)).toBe(300n);
    expect(await ledgerSum(accountId)).toBe(300n);
  });
});
