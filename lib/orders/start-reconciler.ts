import 'server-only';
import { getEnv } from '../env';
import { reconcileStaleOrders } from './reconcile-stale-orders';

const globalForReconciler = globalThis as typeof globalThis & { __reconcilerTimer?: NodeJS.Timeout };

/**
 * Runs the stale-order sweep every RECONCILE_INTERVAL_MS in this server process (0 turns it off,
 * e.g. where an external scheduler runs it instead). Every instance runs the timer; the sweep's
 * Redis lock lets one of them work per interval.
 */
export function startReconciler(): void {
  if (globalForReconciler.__reconcilerTimer) return;
  const intervalMs = getEnv().RECONCILE_INTERVAL_MS;
  if (intervalMs === 0) return;
  const lockSeconds = Math.max(1, Math.floor(intervalMs / 1000) - 1);
  const timer = setInterval(() => {
    reconcileStaleOrders({ lockSeconds }).catch((error: unknown) => {
      console.warn('[reconciler] sweep failed:', error instanceof Error ? error.message : error);
    });
  }, intervalMs);
  timer.unref();
  globalForReconciler.__reconcilerTimer = timer;
}
