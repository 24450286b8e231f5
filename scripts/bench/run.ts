// npm run bench — what polling an open order costs: the status route (GET /api/orders/{id}/status)
// against a floor (GET /api/live, a handler that touches nothing) on the same production server, the
// database transactions and WeChat Pay calls polling causes, and where the route's time goes; then
// what WeChat Pay's payment notifications cost against the same floor (and whether the ledger stays
// exact under them), and what creating an order costs in latency, database round trips and WeChat calls.
//
// Needs real PostgreSQL and Redis: DATABASE_URL (a database other than `postgres`; migrations are
// applied, nothing is dropped) and REDIS_URL when set, else postgresql://postgres@127.0.0.1:5432 with
// a fresh database `recharge_bench` (dropped at the end) and redis://127.0.0.1:6379/14 (flushed).
// Prepares what the scenarios share (context.ts), runs scenarios/index.ts in order, prints the
// report as Markdown and exits 1 when a scenario's expectations did not hold. Stops everything it
// started at the end, on error and on Ctrl-C.
//
// Environment: BENCH_ROUNDS (2), BENCH_ROUND_SECONDS (10), BENCH_CONNECTIONS (20),
// BENCH_NOTIFY_ORDERS (3000), BENCH_ORDER_USERS (100).
import { ensureDevKeys } from '../local/dev-keys';
import { loadLocalEnvFile } from '../local/load-env-file';
import { prepareContext } from './context';
import { cleanUp, cleanUpOnSignals, stopWatchdog } from './lib/cleanup';
import { errorMessage } from './lib/error-message';
import { describeMachine } from './lib/format';
import { benchLog, printReport } from './lib/log';
import { scenarios } from './scenarios';

async function main(): Promise<void> {
  loadLocalEnvFile();
  ensureDevKeys();
  const startedAt = new Date();
  benchLog.info(`bench: ${startedAt.toISOString()}, ${describeMachine()}`);
  const context = await prepareContext();

  const sections: string[][] = [];
  const failures: string[] = [];
  for (const scenario of scenarios) {
    benchLog.info(`== ${scenario.name}`);
    const result = await scenario.run(context);
    sections.push(result.report);
    failures.push(...result.failures);
  }
  stopWatchdog();

  printReport(`\n## Results (${startedAt.toISOString()}; ${describeMachine()})`);
  for (const section of sections) printReport(['', ...section].join('\n'));
  if (failures.length > 0) {
    printReport(`\nFAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
}

cleanUpOnSignals();
main()
  .catch((error: unknown) => {
    benchLog.fatal({ error }, `bench failed: ${errorMessage(error)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanUp();
    // Keep-alive sockets (fetch, autocannon) must not hold the process open.
    process.exit(process.exitCode ?? 0);
  });
