// The young window for real, on the server with the default 5 s delay: a fresh order polled hard
// while under 4 s old must cost nothing (no database, no WeChat); from 6 s to 14 s old the status
// route starts background WeChat queries, at most one per 4 s Redis lock.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../context';
import { buildStatusUrl, createOrder, signIn } from '../lib/app-api';
import { formatRun } from '../lib/format';
import { type LoadRun, runLoad } from '../lib/load';
import { benchLog } from '../lib/log';
import { DEFAULT_QUERY_DELAY_MS, QUERY_LOCK_MS, YOUNG_ORDER_CONNECTIONS } from '../lib/settings';
import {
  countCalls,
  formatCalls,
  readWechatCalls,
  subtractCalls,
  type WechatCalls,
} from '../lib/wechat-calls';
import type { Scenario, ScenarioResult } from '../scenario';

export const youngOrder: Scenario = {
  name: 'a fresh order polled young, then old',
  run: async (context) => reportYoungOrder(await checkYoungOrder(context)),
};

interface YoungOrderReport {
  creationTransactions: number;
  creationCalls: WechatCalls;
  young: {
    fromAgeS: number;
    toAgeS: number;
    run: LoadRun;
    dbTransactions: number;
    activity: { opened: number; queried: number };
    wechat: WechatCalls;
  };
  old: {
    fromAgeS: number;
    toAgeS: number;
    run: LoadRun;
    dbTransactions: number;
    wechat: WechatCalls;
    queryAgesS: number[];
    minGapS: number | null;
    maxQueries: number;
  };
  failures: string[];
}

async function checkYoungOrder({ servers, sandboxUrl, counter }: BenchContext): Promise<YoungOrderReport> {
  const app = servers.youngOrder;
  benchLog.info(`fresh order on ${app.url} (STATUS_QUERY_DELAY_MS=${DEFAULT_QUERY_DELAY_MS})`);
  const cookie = await signIn(app.url, sandboxUrl);
  const x0 = await counter.settledCount();
  const s0 = await readWechatCalls(sandboxUrl);
  // The order's created_at lies between these two instants: ages below are upper bounds (from
  // sentAt) for the young phase and lower bounds (from receivedAt) for the old one.
  const sentAt = performance.now();
  const order = await createOrder(app.url, cookie);
  const receivedAt = performance.now();
  const statusUrl = buildStatusUrl(app.url, order);
  const headers = { cookie: order.cookie };
  const x1 = await counter.settledCount();
  const s1 = await readWechatCalls(sandboxUrl);

  // Young: poll hard until the order is 4 s old (autocannon stops within its 100 ms sample).
  const youngStart = await counter.now();
  const youngFrom = (performance.now() - sentAt) / 1000;
  const youngRun = await runLoad({
    label: 'status, order < 4 s old',
    url: statusUrl,
    headers,
    seconds: Math.max(0.5, (sentAt + 3_850 - performance.now()) / 1000),
    connections: YOUNG_ORDER_CONNECTIONS,
  });
  const youngTo = (performance.now() - sentAt) / 1000;
  const youngActivity = await counter.activitySince(youngStart);
  const x2 = await counter.settledCount();
  const s2 = await readWechatCalls(sandboxUrl);
  benchLog.info(`${formatRun(youngRun)}  (order age ${youngFrom.toFixed(2)}–${youngTo.toFixed(2)} s)`);

  // Old: from 6 s on, poll for 8 s while watching the sandbox's query counter.
  await sleep(Math.max(0, receivedAt + 6_000 - performance.now()));
  const oldFrom = (performance.now() - receivedAt) / 1000;
  const sampler = sampleQueryAges(sandboxUrl, s2.query, receivedAt);
  const oldRun = await runLoad({
    label: 'status, order 6–14 s old',
    url: statusUrl,
    headers,
    seconds: 8,
    connections: YOUNG_ORDER_CONNECTIONS,
  });
  const oldTo = (performance.now() - receivedAt) / 1000;
  await sleep(500); // background queries started by the last polls finish
  const queryAgesS = await sampler.stop();
  const s3 = await readWechatCalls(sandboxUrl);
  const x3 = await counter.settledCount();
  benchLog.info(`${formatRun(oldRun)}  (order age ${oldFrom.toFixed(2)}–${oldTo.toFixed(2)} s)`);

  const gaps = queryAgesS.slice(1).map((age, i) => age - (queryAgesS[i] ?? age));
  // One query when polling starts, then one each time the 4 s lock expires.
  const maxQueries = Math.floor(((oldTo - oldFrom) * 1000) / QUERY_LOCK_MS) + 1;
  const young = {
    fromAgeS: youngFrom,
    toAgeS: youngTo,
    run: youngRun,
    dbTransactions: x2 - x1,
    activity: youngActivity,
    wechat: subtractCalls(s2, s1),
  };
  const old = {
    fromAgeS: oldFrom,
    toAgeS: oldTo,
    run: oldRun,
    dbTransactions: x3 - x2,
    wechat: subtractCalls(s3, s2),
    queryAgesS,
    minGapS: gaps.length > 0 ? Math.min(...gaps) : null,
    maxQueries,
  };
  return {
    creationTransactions: x1 - x0,
    creationCalls: subtractCalls(s1, s0),
    young,
    old,
    failures: listFailures(young, old),
  };
}

function reportYoungOrder(r: YoungOrderReport): ScenarioResult {
  const { young, old } = r;
  const report = [
    `Fresh order, default STATUS_QUERY_DELAY_MS=${DEFAULT_QUERY_DELAY_MS} (second server):`,
    `- creating it: ${r.creationTransactions} database transactions, WeChat ${formatCalls(r.creationCalls)}`,
    `- polled at ${YOUNG_ORDER_CONNECTIONS} connections while ${young.fromAgeS.toFixed(2)}–` +
      `${young.toAgeS.toFixed(2)} s old: ${young.run.requests} requests, ` +
      `${young.dbTransactions} database transactions (app connections opened / querying: ` +
      `${young.activity.opened} / ${young.activity.queried}), WeChat ${formatCalls(young.wechat)}`,
    `- polled while ${old.fromAgeS.toFixed(2)}–${old.toAgeS.toFixed(2)} s old: ` +
      `${old.run.requests} requests, WeChat queries ${old.wechat.query} (at most ` +
      `${old.maxQueries} with the 4 s lock) at ≈ ${old.queryAgesS.map((a) => `${a.toFixed(1)} s`).join(', ')}` +
      `${old.minGapS === null ? '' : `, min gap ${old.minGapS.toFixed(2)} s`}; ` +
      `${old.dbTransactions} database transactions (the background query reads the order)`,
  ];
  return { report, failures: r.failures };
}

/** The order's age at each new WeChat query, read from the sandbox's counter every ~50 ms. */
function sampleQueryAges(
  sandboxUrl: string,
  queriesSoFar: number,
  receivedAt: number,
): { stop(): Promise<number[]> } {
  const queryAgesS: number[] = [];
  let sampling = true;
  const done = (async () => {
    let last = queriesSoFar;
    while (sampling) {
      const { query } = await readWechatCalls(sandboxUrl);
      const age = (performance.now() - receivedAt) / 1000;
      for (; last < query; last++) queryAgesS.push(age);
      await sleep(50);
    }
  })();
  return {
    async stop() {
      sampling = false;
      await done;
      return queryAgesS;
    },
  };
}

function listFailures(young: YoungOrderReport['young'], old: YoungOrderReport['old']): string[] {
  const failures: string[] = [];
  if (young.dbTransactions !== 0 || young.activity.opened + young.activity.queried !== 0) {
    failures.push(`fresh order < 4 s: ${young.dbTransactions} database transactions (expected 0)`);
  }
  if (countCalls(young.wechat) !== 0) {
    failures.push(`fresh order < 4 s: WeChat Pay calls ${JSON.stringify(young.wechat)} (expected none)`);
  }
  if (old.wechat.query < 1 || old.wechat.query > old.maxQueries) {
    failures.push(`order 6–14 s: ${old.wechat.query} WeChat queries (expected 1…${old.maxQueries})`);
  }
  // The counter is sampled every ~50 ms: allow that much on each end of a gap.
  if (old.minGapS !== null && old.minGapS < QUERY_LOCK_MS / 1000 - 0.25) {
    failures.push(`order 6–14 s: two WeChat queries ${old.minGapS.toFixed(2)} s apart (lock is 4 s)`);
  }
  for (const run of [young.run, old.run]) {
    if (run.errors + run.timeouts + run.non2xx > 0) failures.push(`${run.label}: errors or non-2xx answers`);
  }
  return failures;
}
