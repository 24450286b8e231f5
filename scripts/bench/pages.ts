// npm run bench:pages — the pages as a browser gets them, against the bare fixture page built in the
// same run (scripts/bench/fixtures/bare-app): first-load JavaScript of `/` (as `npm run bench`
// measures it) and Lighthouse on `/`, a paid order's result page `/recharge/{orderId}`, the history
// `/orders`, the operators' console (`/admin`, that order's detail, the payment exceptions and the bill
// runs, signed in as the sandbox operator) and the bare page, signed in by a Cookie header. Reports performance, accessibility and
// best-practices scores, the LCP and its ratio to the bare page's, and for every score below its
// aim the audits that keep it there. The aims (PAGE_AIMS in lib/settings.ts) are reported, not
// enforced; exit code 1 only when a measurement failed.
//
// Its own stack beside `npm run bench`'s: app 3710, bare page 3730, sandbox 3720, Upstash REST
// bridge 8710, database recharge_bench_pages (fresh, dropped at the end) and Redis db 11 (flushed),
// or DATABASE_URL / REDIS_URL when set. Builds the app first if there is no build.
//
// Environment: PAGES_RUNS (3), Lighthouse runs per page, each figure's median reported;
// CHROME_PATH (/usr/bin/chromium).
import { ensureDevKeys } from '../local/dev-keys';
import { loadLocalEnvFile } from '../local/load-env-file';
import { createOrder, payOrder, signIn, signInAs } from './lib/app-api';
import { buildBareApp, startBareApp } from './lib/bare-app';
import { launchChromium } from './lib/browser';
import { cleanUp, cleanUpOnSignals } from './lib/cleanup';
import { errorMessage } from './lib/error-message';
import { measureFirstLoadJs } from './lib/first-load-js';
import { describeMachine, markdownRow } from './lib/format';
import { launchLighthouseChrome, type PageRun, runLighthouse, TARGETS } from './lib/lighthouse';
import { benchLog, printReport } from './lib/log';
import { appEnv, ensureBuild, startNextServer } from './lib/next-server';
import { prepareServices } from './lib/services';
import {
  DEFAULT_QUERY_DELAY_MS,
  PAGE_AIMS,
  PAGES_DATABASE,
  PAGES_PORTS,
  PAGES_REDIS,
  positiveIntFromEnv,
} from './lib/settings';
import { firstLoadJsReport } from './scenarios/first-load-js';

const RUNS = positiveIntFromEnv('PAGES_RUNS', 3);
/** Lighthouse takes 10–20 s a run here: a hung one must not keep the ports and database. */
const TIME_LIMIT_MS = 15 * 60_000;

interface PageResult {
  name: string;
  runs: PageRun[];
  median: PageRun;
}

async function main(): Promise<void> {
  loadLocalEnvFile();
  ensureDevKeys();
  const startedAt = new Date();
  benchLog.info(`bench:pages: ${startedAt.toISOString()}, ${describeMachine()}`);
  const { stack, sandboxUrl } = await prepareServices({
    ports: PAGES_PORTS,
    defaultDatabase: PAGES_DATABASE,
    defaultRedis: PAGES_REDIS,
  });
  ensureBuild(stack.env);
  buildBareApp();
  const timer = setTimeout(() => {
    benchLog.error(`bench:pages: over ${TIME_LIMIT_MS / 1000} s, aborting`);
    void cleanUp().then(() => process.exit(1));
  }, TIME_LIMIT_MS);
  timer.unref();

  const app = startNextServer(PAGES_PORTS.app, appEnv(stack.env, PAGES_PORTS.app, DEFAULT_QUERY_DELAY_MS));
  const bare = startBareApp(PAGES_PORTS.bareApp);
  await Promise.all([app.ready, bare.ready]);
  benchLog.info(`app on ${app.url}, bare page on ${bare.url}`);

  // A signed-in user with one paid order: its result page, and a history with an entry.
  const cookie = await signIn(app.url, sandboxUrl);
  const order = await createOrder(app.url, cookie);
  await payOrder(app.url, sandboxUrl, order);
  // An operator of the console (the local stack puts the sandbox user test-operator on ADMIN_WECHAT_IDS).
  const operator = await signInAs(app.url, sandboxUrl, 'test-operator');

  const browser = await launchChromium();
  const appJs = await measureFirstLoadJs(browser, `${app.url}/`, cookie);
  const bareJs = await measureFirstLoadJs(browser, `${bare.url}/`);
  await browser.close();

  const pages = [
    { name: '`/` (recharge)', url: `${app.url}/`, cookie },
    { name: '`/recharge/{id}` (paid)', url: `${app.url}/recharge/${order.orderId}`, cookie },
    { name: '`/orders` (history)', url: `${app.url}/orders`, cookie },
    { name: '`/admin` (console)', url: `${app.url}/admin`, cookie: operator },
    { name: '`/admin/orders/{no}`', url: `${app.url}/admin/orders/${order.outTradeNo}`, cookie: operator },
    { name: '`/admin/exceptions`', url: `${app.url}/admin/exceptions`, cookie: operator },
    { name: '`/admin/bills`', url: `${app.url}/admin/bills`, cookie: operator },
    { name: 'bare fixture page', url: `${bare.url}/`, cookie: undefined },
  ];
  const chrome = await launchLighthouseChrome();
  const results: PageResult[] = [];
  // PAGES_ONLY=<part>,<part>: Lighthouse only on the pages whose names contain one of these (and the
  // bare page, which the LCP ratios need), for a quicker look at a few.
  const only = process.env.PAGES_ONLY?.split(',').filter(Boolean);
  const chosen = pages.filter(
    (p) => !only || p.name === 'bare fixture page' || only.some((part) => p.name.includes(part)),
  );
  for (const page of chosen) {
    const runs: PageRun[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const run = await runLighthouse(chrome, page.url, page.cookie);
      benchLog.info(
        `lighthouse ${page.name} run ${i}/${RUNS}: performance ${run.scores.performance}, accessibility ` +
          `${run.scores.accessibility}, best practices ${run.scores['best-practices']}, LCP ${run.metrics.lcp.toFixed(0)} ms`,
      );
      runs.push(run);
    }
    results.push({ name: page.name, runs, median: medianRun(runs) });
  }

  printReport(`\n## Pages (${startedAt.toISOString()}; ${describeMachine()})\n`);
  printReport(firstLoadJsReport(appJs, bareJs).join('\n'));
  printReport(`\n${lighthouseReport(results).join('\n')}`);
}

/** Each score and metric is the median of its own runs; failing audits come from the median-performance run. */
function medianRun(runs: PageRun[]): PageRun {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted[Math.floor((sorted.length - 1) / 2)];
    if (middle === undefined) throw new Error('no Lighthouse run');
    return middle;
  };
  const performance = median(runs.map((r) => r.scores.performance));
  const typical = runs.find((r) => r.scores.performance === performance) ?? runs[0];
  if (!typical) throw new Error('no Lighthouse run');
  return {
    scores: {
      performance,
      accessibility: median(runs.map((r) => r.scores.accessibility)),
      'best-practices': median(runs.map((r) => r.scores['best-practices'])),
    },
    metrics: {
      fcp: median(runs.map((r) => r.metrics.fcp)),
      lcp: median(runs.map((r) => r.metrics.lcp)),
      tbt: median(runs.map((r) => r.metrics.tbt)),
      cls: median(runs.map((r) => r.metrics.cls)),
      si: median(runs.map((r) => r.metrics.si)),
    },
    failing: typical.failing,
  };
}

function lighthouseReport(results: PageResult[]): string[] {
  const bare = results.find((r) => r.name === 'bare fixture page');
  if (!bare) throw new Error('no bare page result');
  const bareLcp = bare.median.metrics.lcp;
  const score = (value: number, target: number) => `${value.toFixed(2)}${value >= target ? '' : ' ✗'}`;
  const lines = [
    `Lighthouse ${RUNS === 1 ? '(one run' : `(medians of ${RUNS} runs`} per page; mobile, simulated ` +
      `throttling; aims: performance ≥ ${TARGETS.performance}, accessibility ${TARGETS.accessibility}, ` +
      `best practices ${TARGETS['best-practices']}, LCP ≤ ${PAGE_AIMS.lcpRatio} × the bare page's; ✗ = aim not met):`,
    '',
    markdownRow([
      'page'.padEnd(25),
      'performance',
      'accessibility',
      'best practices',
      'LCP ms',
      'LCP / bare',
      'FCP ms',
      'TBT ms',
      'CLS',
      'performance, LCP ms: all runs',
    ]),
    markdownRow([
      '-'.repeat(25),
      '----------:',
      '------------:',
      '-------------:',
      '-----:',
      '---------:',
      '-----:',
      '-----:',
      '---:',
      '---------------------',
    ]),
  ];
  for (const { name, median, runs } of results) {
    const lcpRatio = median.metrics.lcp / bareLcp;
    lines.push(
      markdownRow([
        name.padEnd(25),
        score(median.scores.performance, TARGETS.performance).padStart(11),
        score(median.scores.accessibility, TARGETS.accessibility).padStart(13),
        score(median.scores['best-practices'], TARGETS['best-practices']).padStart(14),
        median.metrics.lcp.toFixed(0).padStart(6),
        `${lcpRatio.toFixed(2)}${lcpRatio <= PAGE_AIMS.lcpRatio ? '' : ' ✗'}`.padStart(10),
        median.metrics.fcp.toFixed(0).padStart(6),
        median.metrics.tbt.toFixed(0).padStart(6),
        median.metrics.cls.toFixed(3),
        `${runs.map((r) => r.scores.performance.toFixed(2)).join(', ')}; ${runs.map((r) => r.metrics.lcp.toFixed(0)).join(', ')}`,
      ]),
    );
  }
  const failing = results.filter((r) => r.median.failing.length > 0);
  if (failing.length > 0) {
    lines.push('', 'Audits keeping a score below its aim (in the run with the median performance score):');
    for (const { name, median } of failing) {
      lines.push(`- ${name}:`);
      for (const audit of median.failing) {
        const value = audit.displayValue ? ` (${audit.displayValue})` : '';
        lines.push(
          `  - ${audit.category}: \`${audit.id}\` ${audit.title}${value}, score ${audit.score.toFixed(2)}`,
        );
        for (const example of audit.examples) lines.push(`    - ${example}`);
      }
    }
  }
  return lines;
}

cleanUpOnSignals();
main()
  .catch((error: unknown) => {
    benchLog.fatal({ error }, `bench:pages failed: ${errorMessage(error)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanUp();
    process.exit(process.exitCode ?? 0);
  });
