import 'server-only';
import { reconcileBillIfDue } from '../bills/schedule';
import { createLogger } from '../log';
import { refreshCertificatesIfDue } from '../platform-certificates/refresh-if-due';
import { type RefundSweepResult, reconcileDueRefunds } from '../refunds/reconcile-refunds';
import { reconcileDueOrders, type SweepOptions, type SweepResult } from './reconcile-stale-orders';

// Everything the background does, in one call for the in-process timer and the cron route: the
// payments due for a check, the refunds still under way, and yesterday's bill once it is published;
// before them, WeChat Pay's platform certificates when due (certificates mode).

export interface SweepsResult extends SweepResult {
  refunds: RefundSweepResult;
  /** The bill run this sweep made (yesterday's, after 10:00 Beijing time), if any. */
  bill: { billDate: string; status: string; newDifferences: number } | null;
}

/** The time a bill run needs at least; with less left, the next sweep does it. */
const BILL_RUN_MIN_MS = 15_000;

const log = createLogger('reconciler');

export async function runSweeps(options: SweepOptions = {}): Promise<SweepsResult> {
  const started = Date.now();
  // First, and cheap when not due: the keys that verify everything else WeChat sends.
  await refreshCertificatesIfDue().catch((error: unknown) => {
    log.warn({ err: error }, 'platform certificate check failed');
  });
  const budget = options.maxDurationMs ?? 50_000;
  const left = () => budget - (Date.now() - started);
  const orders = await reconcileDueOrders(options);
  const refunds = await reconcileDueRefunds({
    now: options.now,
    signal: options.signal,
    maxDurationMs: Math.max(0, left()),
  });
  // The bill run last, and only with time left (it downloads and compares a whole day).
  const run =
    options.signal?.aborted || left() < BILL_RUN_MIN_MS ? null : await reconcileBillIfDue(options.now);
  const bill = run && {
    billDate: run.billDate.toISOString().slice(0, 10),
    status: run.status,
    newDifferences: run.newDifferences,
  };
  return { ...orders, refunds, bill };
}
