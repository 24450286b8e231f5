import 'server-only';
import { reconcileBillIfDue } from '../bills/schedule';
import { type RefundSweepResult, reconcileDueRefunds } from '../refunds/reconcile-refunds';
import { reconcileDueOrders, type SweepOptions, type SweepResult } from './reconcile-stale-orders';

// Everything the background does, in one call for the in-process timer and the cron route: the
// payments due for a check, the refunds still under way, and yesterday's bill once it is published.

export interface SweepsResult extends SweepResult {
  refunds: RefundSweepResult;
  /** The bill run this sweep made (yesterday's, after 10:00 Beijing time), if any. */
  bill: { billDate: string; status: string; newDifferences: number } | null;
}

export async function runSweeps(options: SweepOptions = {}): Promise<SweepsResult> {
  const orders = await reconcileDueOrders(options);
  const refunds = await reconcileDueRefunds({ now: options.now, signal: options.signal });
  const run = options.signal?.aborted ? null : await reconcileBillIfDue(options.now);
  const bill = run && {
    billDate: run.billDate.toISOString().slice(0, 10),
    status: run.status,
    newDifferences: run.newDifferences,
  };
  return { ...orders, refunds, bill };
}
