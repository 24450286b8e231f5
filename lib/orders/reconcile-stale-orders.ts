import 'server-only';
import { getDb } from '../db';
import { WechatPayBusyError } from '../rate-limit/wechat-pay-budget';
import { getRedis } from '../redis';
import { reconcileOrderIfUnlocked } from './reconcile-order';

// The safety net behind notifications and polling: every PENDING order older than a minute is
// queried at WeChat, whether or not a page is still watching it. That catches payments whose
// notifications never arrive (an outage on our side longer than WeChat's 24 h of retries, a
// misconfigured key), orders abandoned after the page timed out, closes refused during
// start-again, and orders past their expiry that WeChat still holds open.

const MIN_AGE_MS = 60_000;
const BATCH_SIZE = 100;
export const SWEEP_LOCK_KEY = 'orders:reconciler:sweep-lock';

export interface SweepResult {
  swept: boolean;
  checked: number;
  failed: number;
}

/** One sweep, by at most one app instance per `lockSeconds` (a Redis SET NX EX lock). */
export async function reconcileStaleOrders(options: {
  lockSeconds: number;
  now?: Date;
  batchSize?: number;
}): Promise<SweepResult> {
  const acquired = await getRedis().set(SWEEP_LOCK_KEY, Date.now(), { nx: true, ex: options.lockSeconds });
  if (acquired !== 'OK') return { swept: false, checked: 0, failed: 0 };

  const now = options.now ?? new Date();
  const stale = await getDb().paymentOrder.findMany({
    where: { status: 'PENDING', createdAt: { lt: new Date(now.getTime() - MIN_AGE_MS) } },
    orderBy: { createdAt: 'asc' },
    take: options.batchSize ?? BATCH_SIZE,
    select: { id: true },
  });
  let failed = 0;
  // One at a time: a sweep is background work and must not burst WeChat's rate limits.
  for (const { id } of stale) {
    try {
      await reconcileOrderIfUnlocked(id, now);
    } catch (error) {
      failed++;
      // WeChat's budget for background work is spent (or WeChat asked us to slow down): the rest
      // waits for the next sweep rather than each failing in turn.
      if (error instanceof WechatPayBusyError) {
        console.warn(`[reconciler] ${error.message}; the sweep stops here`);
        break;
      }
      console.warn(`[reconciler] order ${id}:`, error instanceof Error ? error.message : error);
    }
  }
  return { swept: true, checked: stale.length, failed };
}
