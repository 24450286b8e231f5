// npm run bill:reconcile -- 2026-12-01
// Reconciles one Beijing day against WeChat's trade bill now (the scheduled run does yesterday's after
// 10:00 Beijing time): the same code as the schedule, with the app's configuration (.env.local and
// the environment; DATABASE_URL and the WeChat Pay settings must reach the real stores). Prints the
// run's totals and the differences it found; exits 1 if the run failed, 2 on bad usage.
import { createServiceLogger } from '@recharge/log';
import { parseBillDate, whyNotReconcilable } from '@/lib/bills/bill-date';
import { loadLocalEnvFile } from '../local/load-env-file';

const logger = createServiceLogger('bill-reconcile');

async function main(): Promise<number> {
  const billDate = parseBillDate(process.argv[2] ?? '');
  if (!billDate) {
    logger.error('usage: npm run bill:reconcile -- YYYY-MM-DD (a Beijing date, e.g. 2026-12-01)');
    return 2;
  }
  const refused = whyNotReconcilable(billDate, new Date());
  if (refused) {
    logger.error(`${billDate}: ${refused}`);
    return 2;
  }
  loadLocalEnvFile();
  // Imported after the environment is loaded: the app reads it on first use.
  const { reconcileBillDay } = await import('@/lib/bills/run-bill-reconciliation');
  const { getDb } = await import('@/lib/db');
  const run = await reconcileBillDay(billDate, 'cli');
  const differences = await getDb().billDifference.findMany({
    where: { billDate: run.billDate },
    orderBy: { createdAt: 'asc' },
    select: { kind: true, reference: true, action: true, foundByRunId: true },
  });
  logger.info(
    {
      billDate,
      status: run.status,
      error: run.error ?? undefined,
      wechat: {
        paid: `${run.wechatPaidCount} / ${run.wechatPaidFen} fen`,
        refunds: `${run.wechatRefundCount} / ${run.wechatRefundFen} fen`,
      },
      ours: {
        paid: `${run.ourPaidCount} / ${run.ourPaidFen} fen`,
        refunds: `${run.ourRefundCount} / ${run.ourRefundFen} fen`,
      },
      ledger: { paid: `${run.ledgerPaidFen} fen`, refunds: `${run.ledgerRefundFen} fen` },
      newDifferences: run.newDifferences,
      differences: differences.map((d) => ({
        kind: d.kind,
        reference: d.reference,
        action: d.action ?? undefined,
        new: d.foundByRunId === run.id,
      })),
    },
    `bill ${billDate}: ${run.status}, ${run.newDifferences} new difference(s), ${differences.length} in all`,
  );
  await getDb().$disconnect();
  return run.status === 'DONE' ? 0 : 1;
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    logger.fatal({ err: error }, error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
