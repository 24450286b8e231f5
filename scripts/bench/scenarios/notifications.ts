// WeChat Pay's payment notifications under load: signed, encrypted TRANSACTION.SUCCESS notifications
// for thousands of PENDING orders (rows inserted straight into the bench database, see
// lib/bench-orders.ts), a share of them notified twice (same payment, new notification id),
// shuffled and POSTed to /api/wechat-pay/notify from 50 connections, in two halves between three
// runs of the floor (/api/live) at the same concurrency on the same server. Then the ledger, exact
// to the fen: every order credited exactly once. Last, a few notifications one at a time through
// the counted server (lib/pg-wire-counter.ts): what one costs in database round trips and statements.
import { randomInt } from 'node:crypto';
import type { BenchContext } from '../context';
import { expectFloor } from '../lib/app-api';
import {
  type BenchOrder,
  checkLedger,
  insertPendingOrders,
  newBatchTag,
  openBenchDb,
} from '../lib/bench-orders';
import { cpuSpent, snapshot } from '../lib/cpu';
import { formatRps, formatRun, markdownRow } from '../lib/format';
import { type LoadRun, percentile, runLoad, summarize } from '../lib/load';
import { benchLog } from '../lib/log';
import {
  addCounts,
  emptyPhase,
  formatStatements,
  quietCounts,
  subtractCounts,
  type WirePhase,
} from '../lib/pg-wire-counter';
import { runQueue } from '../lib/request-queue';
import {
  NOTIFY_AIM_RATIO,
  NOTIFY_CONNECTIONS,
  NOTIFY_COUNTED_ORDERS,
  NOTIFY_DUPLICATE_SHARE,
  NOTIFY_FLOOR_SECONDS,
  NOTIFY_ORDERS,
  NOTIFY_WARMUP_ORDERS,
  WARMUP_SECONDS,
} from '../lib/settings';
import { notificationSigner, type SignedNotification } from '../lib/wechat-notifications';
import type { Scenario, ScenarioResult } from '../scenario';

export const notifications: Scenario = {
  name: 'payment notifications vs. the /api/live floor, then the ledger',
  run: measureNotifications,
};

async function measureNotifications(context: BenchContext): Promise<ScenarioResult> {
  const { servers, meters } = context;
  const app = servers.load;
  const floorUrl = `${app.url}/api/live`;
  await expectFloor(floorUrl);
  const signer = notificationSigner(context.env);
  const db = openBenchDb(context.databaseUrl);
  await db.connect();
  try {
    const insertStart = performance.now();
    const warmupOrders = await insertPendingOrders(db, NOTIFY_WARMUP_ORDERS, newBatchTag());
    const orders = await insertPendingOrders(db, NOTIFY_ORDERS, newBatchTag());
    const countedOrders = await insertPendingOrders(db, NOTIFY_COUNTED_ORDERS, newBatchTag());
    const insertS = (performance.now() - insertStart) / 1000;
    benchLog.info(
      `${warmupOrders.length + orders.length + countedOrders.length} PENDING orders inserted in ${insertS.toFixed(1)} s`,
    );

    let sent = 0;
    let oldestSignatureS = 0;
    const send = async (label: string, batch: SignedNotification[]): Promise<LoadRun> => {
      let next = 0;
      const run = await runQueue({
        label,
        baseUrl: app.url,
        connections: NOTIFY_CONNECTIONS,
        next: () => batch[next++],
        onAnswer: (request, _status, sentAt) => {
          const { signedAt } = request as SignedNotification;
          oldestSignatureS = Math.max(oldestSignatureS, (sentAt - signedAt) / 1000);
        },
      });
      sent += run.requests + run.errors;
      return run;
    };

    benchLog.info(`warm-up: floor ${WARMUP_SECONDS} s, ${warmupOrders.length} orders notified`);
    await runLoad({
      label: 'warm-up floor',
      url: floorUrl,
      seconds: WARMUP_SECONDS,
      connections: NOTIFY_CONNECTIONS,
    });
    const warmup = await send('warm-up notifications', signBatch(signer, warmupOrders));
    benchLog.info(formatRun(warmup));

    // Floor and notifications alternating, so that whatever else the machine does weighs on both:
    // floor, half the notifications, floor, the other half, floor. Each half is signed just before.
    const floorRuns: LoadRun[] = [];
    const notifyRuns: LoadRun[] = [];
    const serverCpuMs = { floor: 0, notify: 0 };
    const measure = async <T extends LoadRun>(
      kind: 'floor' | 'notify',
      load: () => Promise<T>,
    ): Promise<T> => {
      const before = snapshot(meters);
      const run = await load();
      serverCpuMs[kind] += cpuSpent(before, snapshot(meters))['next-server'] ?? Number.NaN;
      (kind === 'floor' ? floorRuns : notifyRuns).push(run);
      benchLog.info(formatRun(run));
      return run;
    };
    const floorRound = (round: number) =>
      measure('floor', () =>
        runLoad({
          label: `floor ${round}`,
          url: floorUrl,
          seconds: NOTIFY_FLOOR_SECONDS,
          connections: NOTIFY_CONNECTIONS,
        }),
      );
    const halves = [orders.slice(0, orders.length / 2), orders.slice(orders.length / 2)];
    let duplicates = 0;
    await floorRound(1);
    for (const [i, half] of halves.entries()) {
      const batch = signBatch(signer, half);
      duplicates += batch.length - half.length;
      await measure('notify', () => send(`notifications ${i + 1}`, batch));
      await floorRound(i + 2);
    }

    const counted = await countOneByOne(context, signer, countedOrders);
    sent += counted.sent;

    const ledger = await checkLedger(db, [...warmupOrders, ...orders, ...countedOrders], sent);
    const all = [warmup, ...notifyRuns, ...counted.runs];
    const failures = [...ledger.failures.map((f) => `notifications: ledger: ${f}`)];
    for (const run of all) {
      if (run.errors + run.non2xx > 0)
        failures.push(
          `notifications: ${run.label}: ${run.errors} errors, ${run.non2xx} non-2xx (${JSON.stringify(run.statusCodes)})`,
        );
    }
    for (const run of floorRuns) {
      if (run.errors + run.timeouts + run.non2xx > 0)
        failures.push(`notifications: ${run.label}: errors or non-2xx`);
    }

    const floor = summarize('GET /api/live (floor)', floorRuns);
    const notify = summarize('POST /api/wechat-pay/notify', notifyRuns);
    const acks = notifyRuns.reduce((n, run) => n + (run.statusCodes['204'] ?? 0), 0);
    const acksPerSecond = acks / notifyRuns.reduce((s, run) => s + run.durationS, 0);
    const ratio = acksPerSecond / floor.requestsPerSecond;
    const cpuPerRequest = {
      floor: serverCpuMs.floor / floor.requests,
      notify: serverCpuMs.notify / notify.requests,
    };
    const wire = counted.wire;
    const report = [
      `Payment notifications on the load server: ${orders.length} PENDING orders (inserted into the bench ` +
        `database with their wallets, two orders a wallet), each notified once and ${duplicates} of them ` +
        `(${(NOTIFY_DUPLICATE_SHARE * 100).toFixed(0)} %) twice — same transaction_id, new notification id — ` +
        `${orders.length + duplicates} signed, encrypted TRANSACTION.SUCCESS notifications in random order over ` +
        `${NOTIFY_CONNECTIONS} keep-alive connections, in two halves between three ${NOTIFY_FLOOR_SECONDS} s runs of ` +
        `the floor at ${NOTIFY_CONNECTIONS} connections; after a warm-up of ${warmupOrders.length} orders. ` +
        `DATABASE_POOL_SIZE=${context.env.DATABASE_POOL_SIZE ?? '10 (default)'}.`,
      '',
      markdownRow([
        'route',
        'requests/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'non-2xx',
        'next-server CPU µs/request',
      ]),
      markdownRow(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
      ...(['floor', 'notify'] as const).map((kind) => {
        const summary = kind === 'floor' ? floor : notify;
        const cpu = cpuPerRequest[kind] * 1000;
        return markdownRow([
          summary.label,
          summary.requestsPerSecond.toFixed(0),
          summary.p50Ms.toFixed(2),
          summary.p99Ms.toFixed(2),
          String(summary.errors),
          String(summary.non2xx),
          Number.isFinite(cpu) ? cpu.toFixed(0) : 'n/a',
        ]);
      }),
      '',
      `acknowledgements (204): ${acks} = **${acksPerSecond.toFixed(0)}/s**; ratio acks/floor: ` +
        `**${ratio.toFixed(2)}** (aim ≥ ${NOTIFY_AIM_RATIO}: ${ratio >= NOTIFY_AIM_RATIO ? 'met' : 'NOT met'}); ` +
        `by next-server CPU per request: ${(cpuPerRequest.floor / cpuPerRequest.notify).toFixed(2)}`,
      `rounds (req/s): floor ${floorRuns.map(formatRps).join(', ')}; notifications ${notifyRuns.map(formatRps).join(', ')}`,
      `- ledger: ${ledger.failures.length === 0 ? 'exact' : 'WRONG'} — ` +
        `${warmupOrders.length + orders.length + countedOrders.length} orders (warm-up and one-at-a-time ones included), ` +
        `${sent} notifications recorded by outcome ${JSON.stringify(ledger.notificationsByOutcome)}, ` +
        `${ledger.creditedFen} fen credited = the orders' total, one RECHARGE entry each, balances = sums`,
      `- oldest signature when sent: ${oldestSignatureS.toFixed(1)} s (the app accepts 300 s)`,
      `- one at a time on the counted server (${countedOrders.length} orders): a first notification costs ` +
        `${perRequest(wire.first, 'roundTrips')} database round trips, ${perRequest(wire.first, 'statements')} statements ` +
        `(${formatStatements(wire.first.counts, wire.first.requests)}); a duplicate ` +
        `${perRequest(wire.duplicate, 'roundTrips')} round trips, ${perRequest(wire.duplicate, 'statements')} statements ` +
        `(${formatStatements(wire.duplicate.counts, wire.duplicate.requests)}); p50 ${counted.p50Ms.toFixed(2)} ms`,
    ];
    return { report, failures };
  } finally {
    await db.end();
  }
}

/** Every order once and a random share again, shuffled, signed now (timestamps within seconds). */
function signBatch(
  signer: ReturnType<typeof notificationSigner>,
  orders: BenchOrder[],
): SignedNotification[] {
  const batch = orders.map((order) => signer.sign(order, false));
  const twice = shuffle([...orders]).slice(0, Math.round(orders.length * NOTIFY_DUPLICATE_SHARE));
  for (const order of twice) batch.push(signer.sign(order, true));
  return shuffle(batch);
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function perRequest(phase: WirePhase, field: 'roundTrips' | 'statements'): string {
  return (phase.counts[field] / phase.requests).toFixed(2);
}

/** Each order's notification, then its duplicate, one request at a time through the wire counter. */
async function countOneByOne(
  { servers, pgWire }: BenchContext,
  signer: ReturnType<typeof notificationSigner>,
  orders: BenchOrder[],
): Promise<{
  sent: number;
  runs: LoadRun[];
  wire: { first: WirePhase; duplicate: WirePhase };
  p50Ms: number;
}> {
  const wire = { first: emptyPhase(), duplicate: emptyPhase() };
  const runs: LoadRun[] = [];
  // One warm-up order (opens the pool's connection, loads the route), not counted.
  const [warmupOrder, ...rest] = orders;
  if (warmupOrder)
    runs.push(await sendOne(servers.counted.url, signer.sign(warmupOrder, false), 'counted warm-up'));
  const latencies: number[] = [];
  for (const order of rest) {
    for (const duplicate of [false, true]) {
      const before = await quietCounts(pgWire);
      const run = await sendOne(servers.counted.url, signer.sign(order, duplicate), 'one at a time');
      const spent = subtractCounts(await quietCounts(pgWire), before);
      runs.push(run);
      latencies.push(...run.latenciesMs);
      const phase = duplicate ? wire.duplicate : wire.first;
      phase.requests++;
      phase.counts = addCounts(phase.counts, spent);
    }
  }
  return {
    sent: runs.reduce((n, r) => n + r.requests + r.errors, 0),
    runs,
    wire,
    p50Ms: percentile(Float64Array.from(latencies).sort(), 50),
  };
}

/** One notification on a connection of its own, as WeChat's notifier sends them. */
function sendOne(baseUrl: string, notification: SignedNotification, label: string): Promise<LoadRun> {
  const queue = [notification];
  return runQueue({ label, baseUrl, connections: 1, next: () => queue.shift() });
}
