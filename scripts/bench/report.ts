// The results as Markdown (headings, tables, lists) for README's "Benchmark" section: the load
// figures, what polling cost the database and WeChat Pay, and where the status route's time goes.
import { describeMachine, formatRps } from './format';
import type { IdleCosts } from './idle-costs';
import type { LoadReport } from './load-rounds';
import {
  AIM_RATIO,
  CONNECTIONS,
  DEFAULT_QUERY_DELAY_MS,
  LOAD_QUERY_DELAY_MS,
  ROUND_SECONDS,
  ROUNDS,
  WARMUP_SECONDS,
  YOUNG_ORDER_CONNECTIONS,
} from './settings';
import { formatCalls } from './wechat-calls';
import type { YoungOrderReport } from './young-order-check';

export function printReport(r: {
  startedAt: Date;
  load: LoadReport;
  costs: IdleCosts;
  youngOrder: YoungOrderReport;
}): void {
  const { load, costs, youngOrder } = r;
  const ratio = load.status.summary.requestsPerSecond / load.floor.summary.requestsPerSecond;
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines: string[] = [];
  lines.push(
    `\n## Results (${r.startedAt.toISOString()}; ${describeMachine()})`,
    '',
    `Same \`next start\` server, ${ROUNDS} rounds × ${ROUND_SECONDS} s per route alternating floor/status ` +
      `after a ${WARMUP_SECONDS} s warm-up each; ${CONNECTIONS} connections, pipelining 1; ` +
      `STATUS_QUERY_DELAY_MS=${LOAD_QUERY_DELAY_MS} for the load, so the polled order never turns old.`,
    '',
    row(['route', 'requests/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
  );
  for (const { summary: s } of [load.floor, load.status]) {
    lines.push(
      row([
        s.label,
        s.requestsPerSecond.toFixed(0),
        s.p50Ms.toFixed(2),
        s.p99Ms.toFixed(2),
        String(s.errors),
        String(s.non2xx),
      ]),
    );
  }
  lines.push(
    '',
    `ratio status/floor: ${ratio.toFixed(2)} (aim ≥ ${AIM_RATIO}: ${ratio >= AIM_RATIO ? 'met' : 'NOT met'})`,
    `rounds (req/s): floor ${load.floor.runs.map(formatRps).join(', ')}; status ${load.status.runs.map(formatRps).join(', ')}`,
    '',
    'CPU per request, µs (all threads; the bench process is the load generator plus, for the status',
    'route, the Upstash REST bridge; redis-server may serve others too):',
    '',
    row(['route', ...Object.keys(load.floor.cpuMs)]),
    row(['---', ...Object.keys(load.floor.cpuMs).map(() => '---:')]),
    ...[load.floor, load.status].map((route) =>
      row([
        route.summary.label,
        ...Object.values(route.cpuMs).map((ms) =>
          ms === null ? 'n/a' : ((ms * 1000) / route.summary.requests).toFixed(0),
        ),
      ]),
    ),
    '',
    `next-server CPU ratio floor/status: ${serverCpuRatio(load)} (what status/floor would be if the server ` +
      'alone were the limit)',
    '',
    `While polling (${load.status.summary.requests} status requests, ${load.floor.summary.requests} floor requests):`,
    `- database transactions (pg_stat_database xact_commit + xact_rollback, app backends flushed): ` +
      `${load.dbTransactions}; app connections opened / querying in the window: ` +
      `${load.activity.opened} / ${load.activity.queried}`,
    `- WeChat Pay calls (sandbox /sandbox/stats): ${formatCalls(load.wechat)}`,
    '',
    `Fresh order, default STATUS_QUERY_DELAY_MS=${DEFAULT_QUERY_DELAY_MS} (second server):`,
    `- creating it: ${youngOrder.creationTransactions} database transactions, WeChat ${formatCalls(youngOrder.creationCalls)}`,
    `- polled at ${YOUNG_ORDER_CONNECTIONS} connections while ${youngOrder.young.fromAgeS.toFixed(2)}–` +
      `${youngOrder.young.toAgeS.toFixed(2)} s old: ${youngOrder.young.run.requests} requests, ` +
      `${youngOrder.young.dbTransactions} database transactions (app connections opened / querying: ` +
      `${youngOrder.young.activity.opened} / ${youngOrder.young.activity.queried}), WeChat ${formatCalls(youngOrder.young.wechat)}`,
    `- polled while ${youngOrder.old.fromAgeS.toFixed(2)}–${youngOrder.old.toAgeS.toFixed(2)} s old: ` +
      `${youngOrder.old.run.requests} requests, WeChat queries ${youngOrder.old.wechat.query} (at most ` +
      `${youngOrder.old.maxQueries} with the 4 s lock) at ≈ ${youngOrder.old.queryAgesS.map((a) => `${a.toFixed(1)} s`).join(', ')}` +
      `${youngOrder.old.minGapS === null ? '' : `, min gap ${youngOrder.old.minGapS.toFixed(2)} s`}; ` +
      `${youngOrder.old.dbTransactions} database transactions (the background query reads the order)`,
    '',
    'Costs, server otherwise idle:',
    `- one request at a time (${costs.sequential.n} each), p50: floor ${costs.sequential.floorP50Ms.toFixed(2)} ms, ` +
      `status ${costs.sequential.statusP50Ms.toFixed(2)} ms`,
    `- Redis GET of the status key, ${CONNECTIONS} concurrent from the bench process: direct (ioredis) ` +
      `${costs.redisDirect.opsPerSecond.toFixed(0)}/s p50 ${costs.redisDirect.p50Ms.toFixed(2)} ms; ` +
      `through the Upstash REST bridge (@upstash/redis) ${costs.redisBridge.opsPerSecond.toFixed(0)}/s ` +
      `p50 ${costs.redisBridge.p50Ms.toFixed(2)} ms`,
    `- account cookie HMAC-SHA256 check: ${costs.hmacMicroseconds.toFixed(1)} µs`,
  );
  console.log(lines.join('\n'));
}

/** What status/floor would be if the server alone were the limit: less noisy than requests/s. */
function serverCpuRatio(load: LoadReport): string {
  const floor = load.floor.cpuMs['next-server'];
  const status = load.status.cpuMs['next-server'];
  if (floor == null || status == null || status === 0) return 'n/a';
  return (floor / load.floor.summary.requests / (status / load.status.summary.requests)).toFixed(2);
}
