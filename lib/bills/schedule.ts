import 'server-only';
import { getDb } from '../db';
import type { BillRun } from '../generated/prisma/client';
import { beijingHour, previousBeijingDay } from './bill-date';
import { BillRunBusyError, reconcileBillDay } from './run-bill-reconciliation';

// The daily run: WeChat publishes the previous day's bill at about 10:00 Beijing time, so from then on
// each sweep (the in-process timer, the cron route) reconciles yesterday unless a run of it succeeded,
// at most once every RETRY_MS while it fails (a bill not ready yet: STATEMENT_CREATING).

const PUBLISHED_AT_HOUR = 10;
const RETRY_MS = 10 * 60_000;

export async function reconcileBillIfDue(now: Date = new Date()): Promise<BillRun | null> {
  if (beijingHour(now) < PUBLISHED_AT_HOUR) return null;
  const billDate = previousBeijingDay(now);
  const day = new Date(`${billDate}T00:00:00Z`);
  const latest = await getDb().billRun.findFirst({
    where: { billDate: day },
    orderBy: { startedAt: 'desc' },
  });
  const succeeded = await getDb().billRun.count({ where: { billDate: day, status: 'DONE' } });
  if (succeeded > 0) return null;
  if (latest && now.getTime() - latest.startedAt.getTime() < RETRY_MS) return null;
  try {
    return await reconcileBillDay(billDate, 'schedule');
  } catch (error) {
    // Another instance is on it.
    if (error instanceof BillRunBusyError) return null;
    throw error;
  }
}
