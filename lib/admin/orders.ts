import 'server-only';
import { getDb } from '../db';
import type { Prisma } from '../generated/prisma/client';
import { isUuid } from '../uuid';

// What the console reads about orders: a search, and everything about one order.

const SEARCH_LIMIT = 50;

const listSelect = {
  id: true,
  outTradeNo: true,
  transactionId: true,
  amountFen: true,
  refundedFen: true,
  status: true,
  createdAt: true,
  paidAt: true,
  account: { select: { id: true, user: { select: { id: true, name: true } } } },
} satisfies Prisma.PaymentOrderSelect;

export type AdminOrderRow = Prisma.PaymentOrderGetPayload<{ select: typeof listSelect }>;

/**
 * By out_trade_no or transaction_id (exact), by user (id exactly, or nickname containing the text),
 * newest first; the latest orders when the query is empty.
 */
export async function searchOrders(query: string): Promise<AdminOrderRow[]> {
  const q = query.trim().slice(0, 64);
  const where: Prisma.PaymentOrderWhereInput =
    q === ''
      ? {}
      : {
          OR: [
            { outTradeNo: q },
            { transactionId: q },
            ...(isUuid(q) ? [{ accountId: q }, { account: { mergedIntoId: q } }] : []),
            { account: { user: { name: { contains: q } } } },
          ],
        };
  return getDb().paymentOrder.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: SEARCH_LIMIT,
    select: listSelect,
  });
}

export async function getOrderDetail(outTradeNo: string) {
  const order = await getDb().paymentOrder.findUnique({
    where: { outTradeNo },
    include: {
      account: { include: { user: { select: { id: true, name: true } } } },
      history: { orderBy: { changedAt: 'asc' } },
      queries: { orderBy: { askedAt: 'desc' }, take: 50 },
      refunds: { orderBy: { createdAt: 'asc' }, include: { requester: { select: { name: true } } } },
      exceptions: { orderBy: { firstSeenAt: 'desc' } },
      ledgerEntry: true,
    },
  });
  if (!order) return null;
  const [notifications, refundEntries, actions] = await Promise.all([
    getDb().paymentNotification.findMany({
      where: { outTradeNo },
      orderBy: { receivedAt: 'asc' },
      take: 100,
    }),
    getDb().ledgerEntry.findMany({
      where: { refund: { orderId: order.id } },
      orderBy: { createdAt: 'asc' },
      include: { refund: { select: { outRefundNo: true } } },
    }),
    getDb().adminAction.findMany({
      where: { target: outTradeNo },
      orderBy: { createdAt: 'desc' },
      take: 50,
      include: { actor: { select: { name: true } } },
    }),
  ]);
  const ledger = [
    ...(order.ledgerEntry ? [{ ...order.ledgerEntry, reference: order.outTradeNo }] : []),
    ...refundEntries.map((entry) => ({ ...entry, reference: entry.refund?.outRefundNo ?? '' })),
  ];
  return { order, notifications, ledger, actions };
}
