// Lighthouse (npm `lighthouse` 12, programmatic) on Debian's Chromium through chrome-launcher, with
// Lighthouse's defaults: mobile form factor and simulated throttling (slow 4G, 4× CPU), which makes
// runs comparable with each other; only the performance, accessibility and best-practices
// categories. Nothing goes beyond loopback: Lighthouse's error reporting (Sentry) is a CLI option the
// API never turns on, its robots.txt fetch belongs to the SEO category, which isn't run, the
// Chromium flags turn the browser's own background traffic off, and every run is checked to have
// requested nothing beyond loopback (the app's pages show the sandbox's avatars, on loopback too).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { type Result } from 'lighthouse';
import { CHROMIUM_FLAGS } from './browser';
import { onCleanup } from './cleanup';
import { CHROME_PATH, PAGE_AIMS } from './settings';

const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;
type Category = (typeof CATEGORIES)[number];

export const TARGETS: Record<Category, number> = {
  performance: PAGE_AIMS.performance,
  accessibility: PAGE_AIMS.accessibility,
  'best-practices': PAGE_AIMS.bestPractices,
};

interface FailingAudit {
  category: Category;
  id: string;
  title: string;
  score: number;
  displayValue: string | undefined;
  /** Up to three of the audit's items (elements, issues, URLs, reasons), to know where to look. */
  examples: string[];
}

export interface PageRun {
  scores: Record<Category, number>;
  /** Simulated (Lighthouse's throttling), in ms; CLS unitless. */
  metrics: { fcp: number; lcp: number; tbt: number; cls: number; si: number };
  /** In the categories below their target: what keeps them there. */
  failing: FailingAudit[];
}

export interface LighthouseChrome {
  port: number;
}

export async function launchLighthouseChrome(): Promise<LighthouseChrome> {
  const chrome = await chromeLauncher.launch({
    chromePath: CHROME_PATH,
    chromeFlags: ['--headless=new', ...CHROMIUM_FLAGS],
    logLevel: 'error',
  });
  onCleanup('lighthouse chromium', async () => chrome.kill());
  return { port: chrome.port };
}

/** One Lighthouse navigation of `url`, signed in by a Cookie header when given. */
export async function runLighthouse(
  chrome: LighthouseChrome,
  url: string,
  cookieHeader?: string,
): Promise<PageRun> {
  const result = await lighthouse(url, {
    port: chrome.port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: [...CATEGORIES],
    ...(cookieHeader ? { extraHeaders: { Cookie: cookieHeader } } : {}),
  });
  if (!result) throw new Error(`lighthouse ${url}: no result`);
  const { lhr } = result;
  // PAGES_LHR_DIR=<dir>: each run's full report (JSON, open it in Lighthouse's viewer) and its trace
  // (trace-*.json, open it in DevTools' Performance panel) for a closer look.
  const dumpDir = process.env.PAGES_LHR_DIR;
  if (dumpDir) {
    mkdirSync(dumpDir, { recursive: true });
    const name = `${new URL(url).pathname.replace(/[^a-z0-9]+/gi, '_') || '_'}-${Date.now()}.json`;
    writeFileSync(join(dumpDir, name), JSON.stringify(lhr));
    writeFileSync(join(dumpDir, `trace-${name}`), JSON.stringify(result.artifacts.Trace));
  }
  if (lhr.runtimeError)
    throw new Error(`lighthouse ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  const landed = new URL(lhr.finalDisplayedUrl);
  if (landed.pathname !== new URL(url).pathname) {
    throw new Error(`lighthouse ${url}: ended on ${lhr.finalDisplayedUrl} (not signed in?)`);
  }
  assertLoopbackOnly(lhr, url);
  const scores = {} as Record<Category, number>;
  for (const category of CATEGORIES) {
    const score = lhr.categories[category]?.score;
    if (typeof score !== 'number') throw new Error(`lighthouse ${url}: no ${category} score`);
    scores[category] = score;
  }
  const metric = (id: string) => {
    const value = lhr.audits[id]?.numericValue;
    if (typeof value !== 'number') throw new Error(`lighthouse ${url}: no ${id}`);
    return value;
  };
  return {
    scores,
    metrics: {
      fcp: metric('first-contentful-paint'),
      lcp: metric('largest-contentful-paint'),
      tbt: metric('total-blocking-time'),
      cls: metric('cumulative-layout-shift'),
      si: metric('speed-index'),
    },
    failing: failingAudits(lhr, scores),
  };
}

/**
 * Accessibility and best practices: every scored audit below 1 (each one costs the 1.0). Performance:
 * the metrics below 1 and the insights or diagnostics Lighthouse marks failed (score under 0.9).
 */
function failingAudits(lhr: Result, scores: Record<Category, number>): FailingAudit[] {
  const failing: FailingAudit[] = [];
  for (const category of CATEGORIES) {
    if (scores[category] >= TARGETS[category]) continue;
    for (const ref of lhr.categories[category]?.auditRefs ?? []) {
      const audit = lhr.audits[ref.id];
      if (!audit || typeof audit.score !== 'number') continue;
      if (audit.scoreDisplayMode === 'informative' || audit.scoreDisplayMode === 'notApplicable') continue;
      const threshold = category === 'performance' && ref.weight === 0 ? 0.9 : 1;
      if (audit.score >= threshold) continue;
      failing.push({
        category,
        id: ref.id,
        title: audit.title,
        score: audit.score,
        displayValue: audit.displayValue,
        examples: describeItems(audit.details),
      });
    }
  }
  return failing;
}

function describeItems(details: unknown): string[] {
  const items = (details as { items?: Record<string, unknown>[] } | undefined)?.items ?? [];
  const described: string[] = [];
  for (const item of items) {
    const node = item.node as { snippet?: string; nodeLabel?: string } | undefined;
    const source = item.source as { url?: string } | undefined;
    const subItems = (item.subItems as { items?: Record<string, unknown>[] } | undefined)?.items ?? [];
    const text = [
      node?.nodeLabel && node.snippet ? `${node.nodeLabel}: ${node.snippet}` : node?.snippet,
      typeof item.issueType === 'string' ? `${item.issueType}${describeSubItems(subItems)}` : undefined,
      item.reason,
      item.url,
      source?.url,
      item.groupLabel,
    ].find((value): value is string => typeof value === 'string' && value !== '');
    if (text) described.push(text.replace(/\s+/g, ' ').slice(0, 160));
    if (described.length === 3) break;
  }
  return described;
}

function describeSubItems(subItems: Record<string, unknown>[]): string {
  const first = subItems[0];
  return first ? ` ${JSON.stringify(first)}` : '';
}

/** Nothing may leave the machine: a request beyond loopback fails the run. */
function assertLoopbackOnly(lhr: Result, url: string): void {
  const items = (lhr.audits['network-requests']?.details as { items?: { url?: string }[] } | undefined)
    ?.items;
  if (!items?.length) throw new Error(`lighthouse ${url}: no network requests recorded`);
  const loopback = new Set(['127.0.0.1', 'localhost', '[::1]']);
  const foreign = items
    .map((item) => item.url ?? '')
    .filter((requested) => !requested.startsWith('data:') && !loopback.has(new URL(requested).hostname));
  if (foreign.length > 0)
    throw new Error(`lighthouse ${url}: requests beyond loopback: ${foreign.join(', ')}`);
}
