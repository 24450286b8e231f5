import 'server-only';
import { getDb } from '../db';
import { getEnv } from '../env';
import { AppError } from '../http/app-error';
import { isFinalStatus, type OrderStatusView } from '../schemas/order';
import { isUuid } from '../uuid';
import {
  type CachedOrderStatus,
  cacheEntryFromOrder,
  isKnownMissing,
  readCachedOrderStatus,
  rememberMissing,
  toStatusView,
  writeCachedOrderStatus,
} from './order-status-cache';
import { reconcileOrderInBackground } from './reconcile-order';

export type ScheduleBackground = (task: () => Promise<void>) => void;

/**
 * The polling path: one Redis read. The database is read only when Redis has lost the entry
 * (then written back), and WeChat is never called here: an order still open after
 * STATUS_QUERY_DELAY_MS gets a query scheduled to run after the response is sent.
 */
export async function getOrderStatusForAccount(
  orderId: string,
  accountId: string | null,
  scheduleBackground: ScheduleBackground,
): Promise<OrderStatusView> {
  if (!accountId || !isUuid(orderId)) throw orderNotFound();

  const entry = (await readCachedOrderStatus(orderId)) ?? (await loadFromDatabase(orderId));
  // Someone else's order answers exactly like a missing one.
  if (!entry || entry.accountId !== accountId) throw orderNotFound();

  const ageMs = Date.now() - entry.createdAtMs;
  if (!isFinalStatus(entry.status) && ageMs >= getEnv().STATUS_QUERY_DELAY_MS) {
    scheduleBackground(() => reconcileOrderInBackground(orderId));
  }
  return toStatusView(entry);
}

// Built only when thrown: an Error captures a stack trace, which the polling path shouldn't pay for.
function orderNotFound(): AppError {
  return new AppError('not_found', '订单不存在');
}

async function loadFromDatabase(orderId: string): Promise<CachedOrderStatus | null> {
  if (await isKnownMissing(orderId)) return null;
  const order = await getDb().paymentOrder.findUnique({ where: { id: orderId } });
  if (!order) {
    await rememberMissing(orderId);
    return null;
  }
  const entry = cacheEntryFromOrder(order);
  await writeCachedOrderStatus(entry, { onlyIfMissing: true });
  return entry;
}
