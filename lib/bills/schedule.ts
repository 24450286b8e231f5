import 'server-only';
import { getDb } from '../db';
import type { BillRun } from '../generated/prisma/client';
import { beijingHour, previousBeijingDay } from './bill-date';
import { BillRunBusyError, reconcileBillDay } from './run-bill-reconciliation';

// The daily run: WeChat publishes the previous day's bill at about 10:00 Beijing time, so from then on
// each sweep (the in-process timer, the cron route) reconciles the oldest of the last LOOKBACK_DAYS
// days that has no successful run (yesterday, normally; a day missed while the service was down is
// caught up), at most once every RETRY_MS per day while it fails (a bill not ready: STATEMENT_CREATING).

const PUBLISHED_AT_HOUR = 10;
const RETRY_MS = 10 * 60_000;
const LOOKBACK_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export async function reconcileBillIfDue(now: Date = new Date()): Promise<BillRun | null> {
  const billDate = await dueBillDate(now);
  if (!billDate) return null;
  try {
    return await reconcileBillDay(billDate, 'schedule');
  } catch (error) {
    // Another instance is on it.
    if (error instanceof BillRunBusyError) return null;
    throw error;
  }
}

async function dueBillDate(now: Date): Promise<string | null> {
  const latest = beijingHour(now) >= PUBLISHED_AT_HOUR ? now : new Date(now.getTime() - DAY_MS);
  const days = Array.from({ length: LOOKBACK_DAYS }, (_, i) =>
    previousBeijingDay(new Date(latest.getTime() - i * DAY_MS)),
  );
  const runs = await getDb().billRun.findMany({
    where: { billDate: { in: days.map((d) => new Date(`${d}T00:00:00Z`)) } },
    select: { billDate: true, status: true, startedAt: true },
  });
  for (const day of days.reverse()) {
    const ofDay = runs.filter((r) => r.billDate.toISOString().startsWith(day));
    if (ofDay.some((r) => r.status === 'DONE')) continue;
    if (ofDay.some((r) => now.getTime() - r.startedAt.getTime() < RETRY_MS)) continue;
    return day;
  }
  return null;
}
