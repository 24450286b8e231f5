import 'server-only';
import { getDb } from '../db';
import type { OrderStatus } from '../schemas/order-status';
import { isUuid } from '../uuid';

// The recharge history: a wallet's orders, newest first, 20 to a page. Paged by a cursor on
// (created_at, id) rather than an offset, so a payment arriving while someone pages neither skips
// nor repeats a row; served by the index payment_orders(account_id, created_at, id).

export const HISTORY_PAGE_SIZE = 20;

interface HistoryOrder {
  orderId: string;
  outTradeNo: string;
  amountFen: number;
  status: OrderStatus;
  createdAt: Date;
  paidAt: Date | null;
  /** What refunds hold or gave back of it (refunds under way and done). */
  refundedFen: number;
}

export interface HistoryPage {
  orders: HistoryOrder[];
  /** Cursor of the next (older) page; null on the last page. */
  nextCursor: string | null;
}

interface Position {
  createdAt: Date;
  id: string;
}

function encodeCursor(position: Position): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`, 'utf8').toString('base64url');
}

/** Null for anything that isn't a cursor we made: the first page is shown instead. */
export function decodeCursor(cursor: string | undefined): Position | null {
  if (!cursor || cursor.length > 128) return null;
  const [iso, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!iso || !id || rest.length > 0) return null;
  const createdAt = new Date(iso);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== iso) return null;
  if (!isUuid(id)) return null;
  return { createdAt, id };
}

export async function listWalletOrders(walletId: string, cursor?: string): Promise<HistoryPage> {
  const after = decodeCursor(cursor);
  const rows = await getDb().paymentOrder.findMany({
    where: {
      accountId: walletId,
      ...(after && {
        OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
      }),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: HISTORY_PAGE_SIZE + 1,
    select: {
      id: true,
      outTradeNo: true,
      amountFen: true,
      status: true,
      createdAt: true,
      paidAt: true,
      refundedFen: true,
    },
  });
  const page = rows.slice(0, HISTORY_PAGE_SIZE);
  const last = page.at(-1);
  return {
    orders: page.map((row) => ({
      orderId: row.id,
      outTradeNo: row.outTradeNo,
      amountFen: row.amountFen,
      status: row.status,
      createdAt: row.createdAt,
      paidAt: row.paidAt,
      refundedFen: row.refundedFen,
    })),
    nextCursor:
      rows.length > HISTORY_PAGE_SIZE && last
        ? encodeCursor({ createdAt: last.createdAt, id: last.id })
        : null,
  };
}
