// The load: floor and status alternating on the same server, so that whatever else the shared
// machine does at the time weighs on both alike; then what polling cost in database transactions
// and WeChat Pay calls (both must be 0: the status route answers from Redis).
import type { Order } from './app-api';
import { buildStatusUrl, expectFloor, expectPendingStatus } from './app-api';
import { type CpuMeter, type CpuSnapshot, cpuSpent, snapshot, sumCpu } from './cpu';
import { APP_APPLICATION_NAME, type DbCounter } from './db-counter';
import { formatRun } from './format';
import { type LoadRun, type LoadSummary, runLoad, summarize } from './load';
import type { NextServer } from './next-server';
import { CONNECTIONS, ROUND_SECONDS, ROUNDS, WARMUP_SECONDS } from './settings';
import { countCalls, readWechatCalls, subtractCalls, type WechatCalls } from './wechat-calls';

export interface MeasuredRoute {
  runs: LoadRun[];
  summary: LoadSummary;
  /** CPU milliseconds per meter over all runs of the route. */
  cpuMs: CpuSnapshot;
}

export interface LoadReport {
  floor: MeasuredRoute;
  status: MeasuredRoute;
  dbTransactions: number;
  activity: { opened: number; queried: number };
  wechat: WechatCalls;
  failures: string[];
}

export async function runLoadRounds(options: {
  app: NextServer;
  order: Order;
  sandboxUrl: string;
  counter: DbCounter;
  meters: CpuMeter[];
}): Promise<LoadReport> {
  const { app, order, sandboxUrl, counter, meters } = options;
  const floorUrl = `${app.url}/api/live`;
  const statusUrl = buildStatusUrl(app.url, order);
  const statusHeaders = { cookie: order.cookie };
  await expectFloor(floorUrl);
  await expectPendingStatus(statusUrl, order.cookie);
  // Creating the order opened one: none would mean the counter can't see the app's connections.
  const appConnections = await counter.activitySince(new Date(0));
  if (appConnections.connections === 0) {
    throw new Error(
      `no app connection named ${APP_APPLICATION_NAME} in pg_stat_activity: cannot count queries`,
    );
  }

  console.log(`\nwarm-up: ${WARMUP_SECONDS} s each route`);
  await runLoad({ label: 'warm-up floor', url: floorUrl, seconds: WARMUP_SECONDS, connections: CONNECTIONS });
  await runLoad({
    label: 'warm-up status',
    url: statusUrl,
    headers: statusHeaders,
    seconds: WARMUP_SECONDS,
    connections: CONNECTIONS,
  });

  const x0 = await counter.settledCount();
  const s0 = await readWechatCalls(sandboxUrl);
  const windowStart = await counter.now();
  const floorRuns: LoadRun[] = [];
  const statusRuns: LoadRun[] = [];
  const floorCpu: CpuSnapshot[] = [];
  const statusCpu: CpuSnapshot[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [runs, cpu, label, url, headers] of [
      [floorRuns, floorCpu, 'floor', floorUrl, undefined],
      [statusRuns, statusCpu, 'status', statusUrl, statusHeaders],
    ] as const) {
      const before = snapshot(meters);
      const run = await runLoad({
        label: `${label} ${round}`,
        url,
        headers,
        seconds: ROUND_SECONDS,
        connections: CONNECTIONS,
      });
      cpu.push(cpuSpent(before, snapshot(meters)));
      runs.push(run);
      const serverMs = cpu[cpu.length - 1]?.['next-server'];
      const perRequest =
        serverMs == null ? '' : `  next-server ${((serverMs * 1000) / run.requests).toFixed(0)} µs/req`;
      console.log(`  ${formatRun(run)}${perRequest}`);
    }
  }
  const activity = await counter.activitySince(windowStart);
  const x1 = await counter.settledCount();
  const s1 = await readWechatCalls(sandboxUrl);

  const floor = {
    runs: floorRuns,
    summary: summarize('GET /api/live (floor)', floorRuns),
    cpuMs: sumCpu(floorCpu),
  };
  const status = {
    runs: statusRuns,
    summary: summarize('GET /api/orders/{id}/status', statusRuns),
    cpuMs: sumCpu(statusCpu),
  };
  const wechat = subtractCalls(s1, s0);
  const failures: string[] = [];
  if (x1 - x0 !== 0) failures.push(`load: ${x1 - x0} database transactions while polling (expected 0)`);
  if (countCalls(wechat) !== 0)
    failures.push(`load: WeChat Pay calls while polling: ${JSON.stringify(wechat)}`);
  for (const { summary: s } of [floor, status]) {
    if (s.errors + s.non2xx > 0) failures.push(`load: ${s.label}: ${s.errors} errors, ${s.non2xx} non-2xx`);
  }
  return { floor, status, dbTransactions: x1 - x0, activity, wechat, failures };
}
