// The load: floor (GET /api/live, a handler that touches nothing) and status alternating on the
// same server, so that whatever else the shared machine does at the time weighs on both alike; then
// what polling cost in database transactions and WeChat Pay calls (both must be 0: the status route
// answers from Redis).
import type { BenchContext } from '../context';
import { buildStatusUrl, expectFloor, expectPendingStatus } from '../lib/app-api';
import { type CpuSnapshot, cpuSpent, snapshot, sumCpu } from '../lib/cpu';
import { APP_APPLICATION_NAME } from '../lib/db-counter';
import { formatRps, formatRun, markdownRow } from '../lib/format';
import { type LoadRun, type LoadSummary, runLoad, summarize } from '../lib/load';
import { benchLog } from '../lib/log';
import {
  AIM_RATIO,
  CONNECTIONS,
  LOAD_QUERY_DELAY_MS,
  ROUND_SECONDS,
  ROUNDS,
  WARMUP_SECONDS,
} from '../lib/settings';
import { countCalls, formatCalls, readWechatCalls, subtractCalls } from '../lib/wechat-calls';
import type { Scenario, ScenarioResult } from '../scenario';

interface MeasuredRoute {
  runs: LoadRun[];
  summary: LoadSummary;
  /** CPU milliseconds per meter over all runs of the route. */
  cpuMs: CpuSnapshot;
}

export const statusVsFloor: Scenario = {
  name: 'status route vs. the /api/live floor',
  run: measureStatusVsFloor,
};

async function measureStatusVsFloor(context: BenchContext): Promise<ScenarioResult> {
  const { servers, order, sandboxUrl, counter, meters, redisTraffic } = context;
  const floorTarget = { url: `${servers.load.url}/api/live`, headers: undefined };
  const statusTarget = { url: buildStatusUrl(servers.load.url, order), headers: { cookie: order.cookie } };
  await expectFloor(floorTarget.url);
  await expectPendingStatus(statusTarget.url, order.cookie);
  // Creating the order opened one: none would mean the counter can't see the app's connections.
  if ((await counter.activitySince(new Date(0))).connections === 0) {
    throw new Error(
      `no app connection named ${APP_APPLICATION_NAME} in pg_stat_activity: cannot count queries`,
    );
  }

  benchLog.info(`warm-up: ${WARMUP_SECONDS} s each route`);
  for (const [label, target] of [
    ['floor', floorTarget],
    ['status', statusTarget],
  ] as const) {
    await runLoad({
      label: `warm-up ${label}`,
      ...target,
      seconds: WARMUP_SECONDS,
      connections: CONNECTIONS,
    });
  }

  const x0 = await counter.settledCount();
  const s0 = await readWechatCalls(sandboxUrl);
  const windowStart = await counter.now();
  const floor = newRoute('GET /api/live (floor)');
  const status = newRoute('GET /api/orders/{id}/status');
  // What the status runs sent to Redis: round trips (REST requests) and commands.
  const statusRedis = { requests: 0, commands: 0 };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [route, label, target] of [
      [floor, 'floor', floorTarget],
      [status, 'status', statusTarget],
    ] as const) {
      const before = snapshot(meters);
      const redisBefore = redisTraffic();
      const run = await runLoad({
        label: `${label} ${round}`,
        ...target,
        seconds: ROUND_SECONDS,
        connections: CONNECTIONS,
      });
      const cpu = cpuSpent(before, snapshot(meters));
      if (route === status) {
        const redisAfter = redisTraffic();
        statusRedis.requests += redisAfter.requests - redisBefore.requests;
        statusRedis.commands += redisAfter.commands - redisBefore.commands;
      }
      route.runs.push(run);
      route.cpuSpans.push(cpu);
      const serverMs = cpu['next-server'];
      const perRequest =
        serverMs == null ? '' : `  next-server ${((serverMs * 1000) / run.requests).toFixed(0)} µs/req`;
      benchLog.info(`${formatRun(run)}${perRequest}`);
    }
  }
  const activity = await counter.activitySince(windowStart);
  const dbTransactions = (await counter.settledCount()) - x0;
  const wechat = subtractCalls(await readWechatCalls(sandboxUrl), s0);

  const [floorResult, statusResult] = [measured(floor), measured(status)];
  const failures: string[] = [];
  if (dbTransactions !== 0)
    failures.push(`load: ${dbTransactions} database transactions while polling (expected 0)`);
  if (countCalls(wechat) !== 0)
    failures.push(`load: WeChat Pay calls while polling: ${JSON.stringify(wechat)}`);
  const polls = statusResult.summary.requests;
  const roundTripsPerPoll = statusRedis.requests / polls;
  const commandsPerPoll = statusRedis.commands / polls;
  // Concurrent polls may share a request (lib/redis-transport.ts batches a turn's commands), so a
  // poll costs at most one round trip, and two commands: the limiter's script and the status read.
  if (roundTripsPerPoll > 1.01)
    failures.push(`load: ${roundTripsPerPoll.toFixed(2)} Redis round trips per poll (expected at most 1)`);
  for (const { summary: s } of [floorResult, statusResult]) {
    if (s.errors + s.non2xx > 0) failures.push(`load: ${s.label}: ${s.errors} errors, ${s.non2xx} non-2xx`);
  }
  const report = [
    ...reportRoutes(floorResult, statusResult),
    '',
    `While polling (${statusResult.summary.requests} status requests, ` +
      `${floorResult.summary.requests} floor requests):`,
    '- database transactions (pg_stat_database xact_commit + xact_rollback, app backends flushed): ' +
      `${dbTransactions}; app connections opened / querying in the window: ` +
      `${activity.opened} / ${activity.queried}`,
    `- WeChat Pay calls (sandbox /sandbox/stats): ${formatCalls(wechat)}`,
    `- Redis (requests and commands reaching the Upstash REST bridge during the status runs): ` +
      `${roundTripsPerPoll.toFixed(2)} round trips and ${commandsPerPoll.toFixed(2)} commands per poll ` +
      `(rate limit script + status read; concurrent polls share round trips)`,
  ];
  return { report, failures };
}

interface RouteRuns {
  label: string;
  runs: LoadRun[];
  cpuSpans: CpuSnapshot[];
}

function newRoute(label: string): RouteRuns {
  return { label, runs: [], cpuSpans: [] };
}

function measured(route: RouteRuns): MeasuredRoute {
  return { runs: route.runs, summary: summarize(route.label, route.runs), cpuMs: sumCpu(route.cpuSpans) };
}

function reportRoutes(floor: MeasuredRoute, status: MeasuredRoute): string[] {
  const ratio = status.summary.requestsPerSecond / floor.summary.requestsPerSecond;
  const meterNames = Object.keys(floor.cpuMs);
  return [
    `Same \`next start\` server, ${ROUNDS} rounds × ${ROUND_SECONDS} s per route alternating floor/status ` +
      `after a ${WARMUP_SECONDS} s warm-up each; ${CONNECTIONS} connections, pipelining 1; ` +
      `STATUS_QUERY_DELAY_MS=${LOAD_QUERY_DELAY_MS} for the load, so the polled order never turns old.`,
    '',
    markdownRow(['route', 'requests/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx']),
    markdownRow(['---', '---:', '---:', '---:', '---:', '---:']),
    ...[floor, status].map(({ summary: s }) =>
      markdownRow([
        s.label,
        s.requestsPerSecond.toFixed(0),
        s.p50Ms.toFixed(2),
        s.p99Ms.toFixed(2),
        String(s.errors),
        String(s.non2xx),
      ]),
    ),
    '',
    `ratio status/floor: ${ratio.toFixed(2)} (aim ≥ ${AIM_RATIO}: ${ratio >= AIM_RATIO ? 'met' : 'NOT met'})`,
    `rounds (req/s): floor ${floor.runs.map(formatRps).join(', ')}; status ${status.runs.map(formatRps).join(', ')}`,
    '',
    'CPU per request, µs (all threads; the bench process is the load generator plus, for the status',
    'route, the Upstash REST bridge; redis-server may serve others too):',
    '',
    markdownRow(['route', ...meterNames]),
    markdownRow(['---', ...meterNames.map(() => '---:')]),
    ...[floor, status].map((route) =>
      markdownRow([
        route.summary.label,
        ...Object.values(route.cpuMs).map((ms) =>
          ms === null ? 'n/a' : ((ms * 1000) / route.summary.requests).toFixed(0),
        ),
      ]),
    ),
    '',
    `next-server CPU ratio floor/status: ${serverCpuRatio(floor, status)} (what status/floor would be if ` +
      'the server alone were the limit)',
  ];
}

/** What status/floor would be if the server alone were the limit: less noisy than requests/s. */
function serverCpuRatio(floor: MeasuredRoute, status: MeasuredRoute): string {
  const floorMs = floor.cpuMs['next-server'];
  const statusMs = status.cpuMs['next-server'];
  if (floorMs == null || statusMs == null || statusMs === 0) return 'n/a';
  return (floorMs / floor.summary.requests / (statusMs / status.summary.requests)).toFixed(2);
}
