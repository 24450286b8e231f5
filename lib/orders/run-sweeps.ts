import 'server-only';
import { reconcileDueRefunds, type RefundSweepResult } from '../refunds/reconcile-refunds';
import { reconcileDueOrders, type SweepOptions, type SweepResult } from './reconcile-stale-orders';

// Everything the background does, in one call for the in-process timer and the cron route: the
// payments due for a check, then the refunds still under way.

export interface SweepsResult extends SweepResult {
  refunds: RefundSweepResult;
}

export async function runSweeps(options: SweepOptions = {}): Promise<SweepsResult> {
  const orders = await reconcileDueOrders(options);
  const refunds = await reconcileDueRefunds({ now: options.now, signal: options.signal });
  return { ...orders, refunds };
}
