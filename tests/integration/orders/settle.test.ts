// Settling is exactly once, whichever source reports the payment and however often.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '@/lib/db';
import { END_REASONS, endPendingOrder } from '@/lib/orders/end-order';
import { orderStatusKey, readCachedOrderStatus } from '@/lib/orders/order-status-cache';
import { settlePaidOrder } from '@/lib/orders/settle-order';
import { getRedis } from '@/lib/redis';
import { uniqueTransactionId } from '../../support/accounts-fixtures';
import { balanceOf, createOrderFor, ledgerCount, newAccount, orderRow } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness } from '../../support/orders-harness';

let harness: OrdersHarness;
beforeAll(async () => {
  harness = await startOrdersHarness();
});
afterAll(() => harness.close());

function payment(outTradeNo: string, amountFen: number, transactionId = uniqueTransactionId()) {
  return { outTradeNo, transactionId, amountFen, paidAt: new Date() };
}

describe('settlePaidOrder', () => {
  it('credits once when ten settles of the same payment race (notifications and queries)', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 1234);
    const paid = payment(order.outTradeNo, 1234);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        settlePaidOrder(paid, {
          via: i % 2 ? 'query' : 'notification',
          notificationId: `EV-race-${order.orderId}-${i}`,
        }),
      ),
    );
    expect(results.filter((r) => r.outcome === 'credited')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'already_paid')).toHaveLength(9);
    expect(await balanceOf(accountId)).toBe(1234n);
    expect(await ledgerCount(order.orderId)).toBe(1);
  });

  it('credits in one statement, and writes the status from what it returned: no other read', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 600);
    const db = getDb();
    const spies = [
      vi.spyOn(db, '$transaction'),
      vi.spyOn(db.paymentOrder, 'findUnique'),
      vi.spyOn(db.paymentOrder, 'findUniqueOrThrow'),
    ];
    const raw = vi.spyOn(db, '$queryRaw');
    try {
      const result = await settlePaidOrder(payment(order.outTradeNo, 600), {
        via: 'notification',
        notificationId: `EV-one-${order.orderId}`,
      });
      expect(result).toEqual({ outcome: 'credited', orderId: order.orderId });
      expect(raw).toHaveBeenCalledTimes(1);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of [...spies, raw]) spy.mockRestore();
    }
    const row = await orderRow(order.orderId);
    expect(await readCachedOrderStatus(order.orderId)).toMatchObject({
      status: 'PAID',
      accountId,
      amountFen: 600,
      updatedAt: row.updatedAt.toISOString(),
      createdAtMs: row.createdAt.getTime(),
    });
    expect(await balanceOf(accountId)).toBe(600n);
    expect(await ledgerCount(order.orderId)).toBe(1);
    expect(
      await db.paymentNotification.findUnique({ where: { notificationId: `EV-one-${order.orderId}` } }),
    ).toMatchObject({ outcome: 'settled', eventType: 'TRANSACTION.SUCCESS' });
  });

  it('the same payment again is one statement too: recorded as a duplicate, nothing more credited', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 700);
    const paid = payment(order.outTradeNo, 700);
    await settlePaidOrder(paid, { via: 'query' });
    const transaction = vi.spyOn(getDb(), '$transaction');
    try {
      const again = await settlePaidOrder(paid, {
        via: 'notification',
        notificationId: `EV-again-${order.orderId}`,
        eventType: 'TRANSACTION.SUCCESS',
      });
      expect(again).toEqual({ outcome: 'already_paid', orderId: order.orderId });
      expect(transaction).not.toHaveBeenCalled();
    } finally {
      transaction.mockRestore();
    }
    expect(await balanceOf(accountId)).toBe(700n);
    expect(await ledgerCount(order.orderId)).toBe(1);
    expect(
      await getDb().paymentNotification.findUnique({
        where: { notificationId: `EV-again-${order.orderId}` },
      }),
    ).toMatchObject({ outcome: 'duplicate', transactionId: paid.transactionId });
  });

  it('the database refuses a settlement that would pay an order without crediting an account', async () => {
    // Two visitor accounts merged into each other: a chain with no end, which no code makes, standing
    // in for any way the statement could find no account to credit.
    const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
    const db = getDb();
    await db.account.create({ data: { id: first } });
    await db.account.create({ data: { id: second, mergedIntoId: first } });
    await db.account.update({ where: { id: first }, data: { mergedIntoId: second } });
    const order = await createOrderFor(first, 800);
    await expect(settlePaidOrder(payment(order.outTradeNo, 800), { via: 'query' })).rejects.toThrow(
      /settlement refused: 1 order\(s\) paid, 0 account\(s\) credited, 0 ledger entries/,
    );
    expect(await orderRow(order.orderId)).toMatchObject({ status: 'PENDING', transactionId: null });
    expect(await ledgerCount(order.orderId)).toBe(0);
    expect(await balanceOf(first)).toBe(0n);
    expect(await balanceOf(second)).toBe(0n);
  });

  it('the transaction path answers as the statement does: the same payment again is already_paid', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 950);
    const paid = payment(order.outTradeNo, 950);
    await settlePaidOrder(paid, { via: 'query' });
    // The statement decides nothing (as when a racing settle won after its snapshot).
    const raw = vi.spyOn(getDb(), '$queryRaw').mockResolvedValueOnce([]);
    try {
      expect(await settlePaidOrder(paid, { via: 'query' })).toEqual({
        outcome: 'already_paid',
        orderId: order.orderId,
      });
    } finally {
      raw.mockRestore();
    }
    expect(
      await getDb().paymentException.findUnique({
        where: { kind_outTradeNo: { kind: 'CONFLICTING_TRANSACTION', outTradeNo: order.outTradeNo } },
      }),
    ).toBeNull();
    expect(await balanceOf(accountId)).toBe(950n);
  });

  it('the same transaction id for another amount is not a duplicate: an amount mismatch, opened', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 900);
    const paid = payment(order.outTradeNo, 900);
    await settlePaidOrder(paid, { via: 'query' });
    const result = await settlePaidOrder({ ...paid, amountFen: 1 }, { via: 'query' });
    expect(result).toEqual({ outcome: 'amount_mismatch', orderId: order.orderId });
    expect(await balanceOf(accountId)).toBe(900n);
    expect(
      await getDb().paymentException.findUnique({
        where: { kind_outTradeNo: { kind: 'AMOUNT_MISMATCH', outTradeNo: order.outTradeNo } },
      }),
    ).toMatchObject({ status: 'OPEN', details: { orderAmountFen: 900, paidAmountFen: 1 } });
  });

  it('writes PAID to Redis only after the credit is committed', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 500);
    expect((await readCachedOrderStatus(order.orderId))?.status).toBe('PENDING');
    await settlePaidOrder(payment(order.outTradeNo, 500), { via: 'query' });
    expect((await readCachedOrderStatus(order.orderId))?.status).toBe('PAID');
    expect((await orderRow(order.orderId)).status).toBe('PAID');
  });

  it('never credits a payment whose amount differs from the order', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 1000);
    const result = await settlePaidOrder(payment(order.outTradeNo, 1), {
      via: 'notification',
      notificationId: `EV-mismatch-${order.orderId}`,
    });
    expect(result.outcome).toBe('amount_mismatch');
    expect(await balanceOf(accountId)).toBe(0n);
    expect((await orderRow(order.orderId)).status).toBe('PENDING');
  });

  it('leaves Redis alone on an amount mismatch: nothing changed, so nothing is published', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 1000);
    await getRedis().del(orderStatusKey(order.orderId));
    const result = await settlePaidOrder(payment(order.outTradeNo, 999), { via: 'query' });
    expect(result).toEqual({ outcome: 'amount_mismatch', orderId: order.orderId });
    expect(await getRedis().exists(orderStatusKey(order.orderId))).toBe(0);
  });

  it('records notifications only: a settle from a query records nothing, even given an id', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 300);
    const notificationId = `EV-query-${order.orderId}`;
    const result = await settlePaidOrder(payment(order.outTradeNo, 300), { via: 'query', notificationId });
    expect(result.outcome).toBe('credited');
    expect(await getDb().paymentNotification.findUnique({ where: { notificationId } })).toBeNull();
  });

  it('records a notification without an event type as TRANSACTION.SUCCESS', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 300);
    const notificationId = `EV-noevent-${order.orderId}`;
    const paid = payment(order.outTradeNo, 300);
    await settlePaidOrder(paid, { via: 'notification', notificationId });
    expect(await getDb().paymentNotification.findUnique({ where: { notificationId } })).toMatchObject({
      eventType: 'TRANSACTION.SUCCESS',
      outTradeNo: order.outTradeNo,
      transactionId: paid.transactionId,
      outcome: 'settled',
    });
  });

  it.each([
    { state: 'CLOSED' as const, reason: END_REASONS.closedByRestart },
    { state: 'FAILED' as const, reason: END_REASONS.payError },
  ])('still credits a verified payment for an order already $state locally', async ({ state, reason }) => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 777);
    await endPendingOrder(order.orderId, state, reason);
    const result = await settlePaidOrder(payment(order.outTradeNo, 777), {
      via: 'notification',
      notificationId: `EV-late-${order.orderId}`,
    });
    expect(result.outcome).toBe('credited');
    expect(await balanceOf(accountId)).toBe(777n);
    expect((await readCachedOrderStatus(order.orderId))?.status).toBe('PAID');
  });

  it('answers unknown_order for a payment that matches no order', async () => {
    const result = await settlePaidOrder(payment('RCNOSUCHORDER000000000001', 100), { via: 'query' });
    expect(result.outcome).toBe('unknown_order');
  });
});

describe('payments that can’t be credited become payment exceptions', () => {
  const exceptionOf = (
    kind: 'AMOUNT_MISMATCH' | 'UNKNOWN_ORDER' | 'DUPLICATE_TRANSACTION' | 'CONFLICTING_TRANSACTION',
    outTradeNo: string,
  ) => getDb().paymentException.findUnique({ where: { kind_outTradeNo: { kind, outTradeNo } } });

  it('an amount mismatch: open, with both amounts; the order leaves the sweep; seen again, counted', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 1000);
    expect((await orderRow(order.orderId)).nextCheckAt).not.toBeNull();
    for (const via of ['notification', 'query'] as const) {
      await settlePaidOrder(payment(order.outTradeNo, 1), { via, notificationId: `EV-mm-${order.orderId}` });
    }
    expect(await exceptionOf('AMOUNT_MISMATCH', order.outTradeNo)).toMatchObject({
      status: 'OPEN',
      orderId: order.orderId,
      occurrences: 2,
      details: { via: 'query', orderAmountFen: 1000, paidAmountFen: 1 },
    });
    const row = await orderRow(order.orderId);
    expect(row).toMatchObject({ status: 'PENDING', nextCheckAt: null });
    expect(await balanceOf(accountId)).toBe(0n);
  });

  it('a resolved exception seen again is open again', async () => {
    const outTradeNo = `RCAGAIN${Date.now()}`;
    await settlePaidOrder(payment(outTradeNo, 100), { via: 'query' });
    await getDb().paymentException.update({
      where: { kind_outTradeNo: { kind: 'UNKNOWN_ORDER', outTradeNo } },
      data: {
        status: 'RESOLVED',
        resolvedAt: new Date(),
        resolvedBy: 'ops@test',
        resolution: 'refunded by hand',
      },
    });
    await settlePaidOrder(payment(outTradeNo, 100), { via: 'notification' });
    expect(await exceptionOf('UNKNOWN_ORDER', outTradeNo)).toMatchObject({
      status: 'OPEN',
      occurrences: 2,
      resolvedAt: null,
      resolvedBy: null,
      resolution: null,
    });
  });

  it('a payment for no order we know: open, with what WeChat said', async () => {
    const outTradeNo = `RCNOSUCH${Date.now()}`;
    const paid = payment(outTradeNo, 250);
    expect((await settlePaidOrder(paid, { via: 'notification' })).outcome).toBe('unknown_order');
    expect(await exceptionOf('UNKNOWN_ORDER', outTradeNo)).toMatchObject({
      status: 'OPEN',
      orderId: null,
      transactionId: paid.transactionId,
      details: { via: 'notification', amountFen: 250, paidAt: paid.paidAt.toISOString() },
    });
  });

  it('a transaction id another order already has: nothing credited, the order leaves the sweep', async () => {
    const accountId = await newAccount();
    const first = await createOrderFor(accountId, 300);
    const second = await createOrderFor(accountId, 300);
    const transactionId = uniqueTransactionId();
    await settlePaidOrder(payment(first.outTradeNo, 300, transactionId), { via: 'query' });
    const result = await settlePaidOrder(payment(second.outTradeNo, 300, transactionId), {
      via: 'notification',
      notificationId: `EV-dup-${second.orderId}`,
    });
    expect(result).toEqual({ outcome: 'duplicate_transaction', orderId: second.orderId });
    expect(await balanceOf(accountId)).toBe(300n);
    expect(await exceptionOf('DUPLICATE_TRANSACTION', second.outTradeNo)).toMatchObject({
      status: 'OPEN',
      orderId: second.orderId,
      transactionId,
      details: { via: 'notification', amountFen: 300 },
    });
    expect((await orderRow(second.orderId)).nextCheckAt).toBeNull();
    expect(
      await getDb().paymentNotification.findUnique({ where: { notificationId: `EV-dup-${second.orderId}` } }),
    ).toMatchObject({ outcome: 'duplicate_transaction' });
  });

  it('a paid order reported paid by another transaction: nothing credited twice, and someone must look', async () => {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, 400);
    const credited = uniqueTransactionId();
    await settlePaidOrder(payment(order.outTradeNo, 400, credited), { via: 'query' });
    // The same payment again is only a duplicate: no exception.
    expect((await settlePaidOrder(payment(order.outTradeNo, 400, credited), { via: 'query' })).outcome).toBe(
      'already_paid',
    );
    expect(await exceptionOf('CONFLICTING_TRANSACTION', order.outTradeNo)).toBeNull();

    const other = payment(order.outTradeNo, 400);
    const result = await settlePaidOrder(other, {
      via: 'notification',
      notificationId: `EV-conflict-${order.orderId}`,
    });
    expect(result).toEqual({ outcome: 'conflicting_transaction', orderId: order.orderId });
    expect(await balanceOf(accountId)).toBe(400n);
    expect(await ledgerCount(order.orderId)).toBe(1);
    expect(await orderRow(order.orderId)).toMatchObject({ status: 'PAID', transactionId: credited });
    expect(await exceptionOf('CONFLICTING_TRANSACTION', order.outTradeNo)).toMatchObject({
      status: 'OPEN',
      orderId: order.orderId,
      transactionId: other.transactionId,
      details: { via: 'notification', creditedTransactionId: credited, amountFen: 400 },
    });
    expect(
      await getDb().paymentNotification.findUnique({
        where: { notificationId: `EV-conflict-${order.orderId}` },
      }),
    ).toMatchObject({ outcome: 'conflicting_transaction', transactionId: other.transactionId });
  });
});
