import 'server-only';
import { getEnv } from '../env';
import { AppError } from '../http/app-error';
import { isFinalStatus, type OrderStatusView } from '../schemas/order-status';
import { isUuid } from '../uuid';
import { readOrderStatus, rereadForNewOwner, toStatusView } from './order-status-cache';
import { reconcileOrderInBackground } from './reconcile-order';

export type ScheduleBackground = (task: () => Promise<void>) => void;

/**
 * The polling path: the status as the cache has it (one Redis read; see readOrderStatus), shown to
 * its owner only. WeChat is never called here: an order still open after STATUS_QUERY_DELAY_MS
 * gets a query scheduled to run after the response is sent. `admit` (the caller's rate limit) is
 * checked in the same Redis round trip as the read.
 */
export async function getOrderStatusForAccount(
  orderId: string,
  accountId: string | null,
  scheduleBackground: ScheduleBackground,
  admit?: () => Promise<void>,
): Promise<OrderStatusView> {
  if (!accountId || !isUuid(orderId)) throw orderNotFound();

  let entry = await readOrderStatus(orderId, { admit });
  // An entry naming another owner: an order moved to this wallet at sign-in (the database decides),
  // or someone else's order, which answers exactly like a missing one.
  if (entry && entry.accountId !== accountId) entry = await rereadForNewOwner(orderId, accountId);
  if (!entry) throw orderNotFound();

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
