// Creating orders through POST /api/orders as signed-in users do: each user makes a first order (no
// other open order) and then a second one (a new QR code: the app closes the first at WeChat). On
// the load server, many users at once: latency, WeChat Pay calls (the sandbox's counters) and
// database transactions. On the counted server, a few users one request at a time: database round
// trips and statements per order, counted on the wire (lib/pg-wire-counter.ts).
import { performance } from 'node:perf_hooks';
import type { BenchContext } from '../context';
import { signIn } from '../lib/app-api';
import { markdownRow } from '../lib/format';
import { percentile } from '../lib/load';
import { benchLog } from '../lib/log';
import {
  addCounts,
  emptyPhase,
  formatStatements,
  quietCounts,
  subtractCounts,
  type WirePhase,
} from '../lib/pg-wire-counter';
import { ORDER_CONNECTIONS, ORDER_COUNTED_USERS, ORDER_USERS } from '../lib/settings';
import {
  countCalls,
  formatCalls,
  readWechatCalls,
  subtractCalls,
  type WechatCalls,
} from '../lib/wechat-calls';
import type { Scenario, ScenarioResult } from '../scenario';

export const orderCreation: Scenario = {
  name: 'order creation: latency, database round trips and WeChat calls per order',
  run: measureOrderCreation,
};

type OrderKind = 'first' | 'second';
const KINDS: OrderKind[] = ['first', 'second'];
const WARMUP_USERS = 5;

async function measureOrderCreation(context: BenchContext): Promise<ScenarioResult> {
  const { servers, sandboxUrl, counter, pgWire } = context;
  const failures: string[] = [];
  const load = servers.load.url;

  benchLog.info(`signing in ${WARMUP_USERS + ORDER_USERS} users on ${load}`);
  const warmupUsers = await signInMany(load, sandboxUrl, WARMUP_USERS);
  const users = await signInMany(load, sandboxUrl, ORDER_USERS);
  for (const cookie of warmupUsers) for (const _ of KINDS) await postOrder(load, cookie);

  // Many at once: each worker takes the next user and makes its two orders in turn.
  const x0 = await counter.settledCount();
  const s0 = await readWechatCalls(sandboxUrl);
  const latencies: Record<OrderKind, number[]> = { first: [], second: [] };
  const statuses: Record<string, number> = {};
  const queue = [...users];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: ORDER_CONNECTIONS }, async () => {
      for (let cookie = queue.shift(); cookie; cookie = queue.shift()) {
        for (const kind of KINDS) {
          const { status, ms } = await postOrder(load, cookie);
          statuses[status] = (statuses[status] ?? 0) + 1;
          latencies[kind].push(ms);
        }
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const wechat = subtractCalls(await readWechatCalls(sandboxUrl), s0);
  const transactions = (await counter.settledCount()) - x0;
  const orders = users.length * KINDS.length;
  const created = statuses['201'] ?? 0;
  if (created !== orders) failures.push(`order creation: ${JSON.stringify(statuses)} for ${orders} orders`);
  benchLog.info(`${orders} orders in ${elapsedS.toFixed(1)} s: ${JSON.stringify(statuses)}`);

  // One at a time on the counted server: round trips, statements and WeChat calls of each order.
  const counted = servers.counted.url;
  const countedUsers = await signInMany(counted, sandboxUrl, ORDER_COUNTED_USERS + 1);
  const [warmupUser, ...measuredUsers] = countedUsers;
  if (warmupUser) for (const _ of KINDS) await postOrder(counted, warmupUser);
  const wire: Record<OrderKind, WirePhase> = { first: emptyPhase(), second: emptyPhase() };
  const calls: Record<OrderKind, WechatCalls> = {
    first: { create: 0, query: 0, close: 0 },
    second: { create: 0, query: 0, close: 0 },
  };
  for (const cookie of measuredUsers) {
    for (const kind of KINDS) {
      const before = await quietCounts(pgWire);
      const callsBefore = await readWechatCalls(sandboxUrl);
      const { status } = await postOrder(counted, cookie);
      const spent = subtractCounts(await quietCounts(pgWire), before);
      const callsSpent = subtractCalls(await readWechatCalls(sandboxUrl), callsBefore);
      if (status !== 201) failures.push(`order creation (counted): ${status}`);
      wire[kind].requests++;
      wire[kind].counts = addCounts(wire[kind].counts, spent);
      calls[kind] = addCalls(calls[kind], callsSpent);
    }
  }

  const rows = KINDS.map((kind) => {
    const sorted = Float64Array.from(latencies[kind]).sort();
    const phase = wire[kind];
    const n = phase.requests;
    return markdownRow([
      kind === 'first' ? 'first order of a user' : 'second order (closes the first)',
      String(sorted.length),
      percentile(sorted, 50).toFixed(2),
      percentile(sorted, 99).toFixed(2),
      (phase.counts.roundTrips / n).toFixed(2),
      (phase.counts.statements / n).toFixed(2),
      perOrder(calls[kind], n),
    ]);
  });
  const all = Float64Array.from([...latencies.first, ...latencies.second]).sort();
  const report = [
    `Order creation: ${users.length} signed-in users on the load server, ${ORDER_CONNECTIONS} at a time, each ` +
      `POSTing /api/orders twice (¥1.00): a first order, then a second, for which the app closes the first ` +
      `at WeChat. Latency from the load server; database round trips (client Sync + Query messages on the ` +
      `wire), statements (Execute + Query) and WeChat Pay calls from ${measuredUsers.length} more users on the ` +
      `counted server, one request at a time.`,
    '',
    markdownRow([
      'order',
      'orders',
      'p50 ms',
      'p99 ms',
      'DB round trips',
      'statements',
      'WeChat calls (create/close/query)',
    ]),
    markdownRow(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...rows,
    '',
    `- all ${orders} orders: ${(orders / elapsedS).toFixed(0)} orders/s, p50 ${percentile(all, 50).toFixed(2)} ms, ` +
      `p99 ${percentile(all, 99).toFixed(2)} ms, answers ${JSON.stringify(statuses)}; WeChat ${formatCalls(wechat)} ` +
      `(${(countCalls(wechat) / orders).toFixed(2)} calls per order); ${(transactions / orders).toFixed(2)} database ` +
      'transactions per order (pg_stat_database)',
    ...KINDS.map(
      (kind) =>
        `- statements of a ${kind} order: ${formatStatements(wire[kind].counts, wire[kind].requests)}` +
        (wire[kind].counts.connectionsOpened > 0
          ? ` (${wire[kind].counts.connectionsOpened} pool connections opened, not counted above)`
          : ''),
    ),
  ];
  return { report, failures };
}

async function signInMany(appUrl: string, sandboxUrl: string, count: number): Promise<string[]> {
  const cookies: string[] = [];
  let left = count;
  await Promise.all(
    Array.from({ length: Math.min(count, ORDER_CONNECTIONS) }, async () => {
      for (; left > 0; ) {
        left--;
        cookies.push(await signIn(appUrl, sandboxUrl));
      }
    }),
  );
  return cookies;
}

async function postOrder(appUrl: string, cookie: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const response = await fetch(`${appUrl}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ amountFen: 100 }),
  });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - t0 };
}

function addCalls(a: WechatCalls, b: WechatCalls): WechatCalls {
  return { create: a.create + b.create, query: a.query + b.query, close: a.close + b.close };
}

function perOrder(calls: WechatCalls, n: number): string {
  return [calls.create, calls.close, calls.query].map((c) => (c / n).toFixed(2)).join(' / ');
}
