import 'server-only';
import { getEnv } from '../env';
import { createLogger } from '../log';
import { runSweeps } from './run-sweeps';

const log = createLogger('reconciler');

// The sweep in a long-running server (`next start`): every RECONCILE_INTERVAL_MS in each instance
// (0 turns it off, where the cron route runs it instead: GET /api/cron/reconcile). Instances take
// part together safely (orders are leased from PostgreSQL). On SIGTERM the timer stops and no new
// order is claimed; the checks under way (at most four, each bounded by WECHATPAY_TIMEOUT_MS) go on
// while Next.js closes its server (it waits for requests in flight). If the process ends first, a
// check cut short changes nothing half-way (a settlement is one transaction) and its order is due
// again when its lease runs out, two minutes later. stopReconciler() waits for them, within SHUTDOWN_GRACE_MS.

const SHUTDOWN_GRACE_MS = 10_000;

const globalForReconciler = globalThis as typeof globalThis & {
  __reconciler?: { timer: NodeJS.Timeout; stop: AbortController; running: Promise<unknown> | null };
};

export function startReconciler(): void {
  if (globalForReconciler.__reconciler) return;
  const intervalMs = getEnv().RECONCILE_INTERVAL_MS;
  if (intervalMs === 0) return;
  const stop = new AbortController();
  const state = {
    stop,
    running: null as Promise<unknown> | null,
    timer: setInterval(() => {
      if (state.running || stop.signal.aborted) return;
      state.running = runSweeps({
        maxDurationMs: Math.max(1_000, intervalMs - 5_000),
        signal: stop.signal,
      })
        .catch((error: unknown) => {
          log.warn({ err: error }, 'sweep failed');
        })
        .finally(() => {
          state.running = null;
        });
    }, intervalMs),
  };
  state.timer.unref();
  globalForReconciler.__reconciler = state;
  process.once('SIGTERM', () => void stopReconciler());
}

/** Stops the timer and waits (at most SHUTDOWN_GRACE_MS) for a sweep under way. */
async function stopReconciler(): Promise<void> {
  const state = globalForReconciler.__reconciler;
  if (!state) return;
  clearInterval(state.timer);
  state.stop.abort();
  if (state.running) {
    await Promise.race([
      state.running,
      new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref()),
    ]);
  }
}
