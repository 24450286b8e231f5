import 'server-only';
import { getDb } from '../db';

// The console's view of the bill runs: the latest run of each recent day with its totals, and the
// differences each day has.

export async function listBillDays(days = 14) {
  const runs = await getDb().billRun.findMany({
    orderBy: [{ billDate: 'desc' }, { startedAt: 'desc' }],
    take: 200,
  });
  const latest = new Map<string, (typeof runs)[number]>();
  for (const run of runs) {
    const key = run.billDate.toISOString().slice(0, 10);
    if (!latest.has(key)) latest.set(key, run);
  }
  const recent = [...latest.entries()].slice(0, days);
  const differences = await getDb().billDifference.findMany({
    where: { billDate: { in: recent.map(([, run]) => run.billDate) } },
    orderBy: { createdAt: 'asc' },
    include: { exception: { select: { status: true } } },
  });
  return recent.map(([billDate, run]) => ({
    billDate,
    run,
    runs: runs.filter((r) => r.billDate.getTime() === run.billDate.getTime()).length,
    differences: differences.filter((d) => d.billDate.getTime() === run.billDate.getTime()),
  }));
}

/** An operator ran a day: recorded with the run it made. */
export async function recordBillRunRequest(
  operatorId: string,
  billDate: string,
  runId: string,
): Promise<void> {
  await getDb().adminAction.create({
    data: { actorId: operatorId, action: 'bill.run', target: billDate, details: { runId } },
  });
}
