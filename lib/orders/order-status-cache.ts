import 'server-only';
import { getRedis } from '../redis';
import type { OrderStatus, OrderStatusView } from '../schemas/order';

// Redis holds each order's current status so that the page's polling never touches the database.
// Writers: order creation (PENDING), settlement and closing (final states, always written), and the
// status route's database fallback (only when the key is missing, so it can't clobber a fresher
// final state written meanwhile).

export interface CachedOrderStatus {
  orderId: string;
  /** Owner: the status route answers 404 to anyone else without a database lookup. */
  accountId: string;
  status: OrderStatus;
  amountFen: number;
  reason?: string;
  /** Epoch ms; the status route decides from it when to ask WeChat in the background. */
  createdAtMs: number;
  updatedAt: string;
}

/** A week: long after any page stops polling; a miss later is served from the database once. */
const STATUS_TTL_SECONDS = 7 * 24 * 60 * 60;

export function orderStatusKey(orderId: string): string {
  return `order:${orderId}:status`;
}

export async function readCachedOrderStatus(orderId: string): Promise<CachedOrderStatus | null> {
  return getRedis().get<CachedOrderStatus>(orderStatusKey(orderId));
}

export async function writeCachedOrderStatus(
  entry: CachedOrderStatus,
  options: { onlyIfMissing?: boolean } = {},
): Promise<void> {
  const key = orderStatusKey(entry.orderId);
  if (options.onlyIfMissing) {
    await getRedis().set(key, entry, { ex: STATUS_TTL_SECONDS, nx: true });
  } else {
    await getRedis().set(key, entry, { ex: STATUS_TTL_SECONDS });
  }
}

export function toStatusView(entry: CachedOrderStatus): OrderStatusView {
  const view: OrderStatusView = {
    orderId: entry.orderId,
    status: entry.status,
    amountFen: entry.amountFen,
    updatedAt: entry.updatedAt,
  };
  if (entry.reason) view.reason = entry.reason;
  return view;
}

export function cacheEntryFromOrder(order: {
  id: string;
  accountId: string;
  status: OrderStatus;
  amountFen: number;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}): CachedOrderStatus {
  const entry: CachedOrderStatus = {
    orderId: order.id,
    accountId: order.accountId,
    status: order.status,
    amountFen: order.amountFen,
    createdAtMs: order.createdAt.getTime(),
    updatedAt: order.updatedAt.toISOString(),
  };
  if (order.failureReason) entry.reason = order.failureReason;
  return entry;
}
