// First-load JavaScript of the recharge page `/` (signed in) against the bare fixture page, both
// measured by the same headless Chromium in the same run (lib/first-load-js.ts). The aim (the
// issue's: `/` at most 1.15 × the bare page) is reported, not enforced; a failed measurement fails.
import type { BenchContext } from '../context';
import { launchChromium } from '../lib/browser';
import { type FirstLoadJs, kb, measureFirstLoadJs } from '../lib/first-load-js';
import { markdownRow } from '../lib/format';
import { benchLog } from '../lib/log';
import { PAGE_AIMS } from '../lib/settings';
import type { Scenario, ScenarioResult } from '../scenario';

export const firstLoadJs: Scenario = {
  name: 'first-load JavaScript of / against the bare page',
  run: async ({ servers, bareApp, order }: BenchContext): Promise<ScenarioResult> => {
    const browser = await launchChromium();
    const app = await measureFirstLoadJs(browser, `${servers.load.url}/`, order.cookie);
    const bare = await measureFirstLoadJs(browser, `${bareApp.url}/`);
    await browser.close();
    benchLog.info(
      `first-load JS: / ${kb(app.transferredBytes)} KB transferred (${kb(app.decodedBytes)} KB decoded), ` +
        `bare ${kb(bare.transferredBytes)} KB (${kb(bare.decodedBytes)} KB)`,
    );
    return { report: firstLoadJsReport(app, bare), failures: [] };
  },
};

export function firstLoadJsReport(app: FirstLoadJs, bare: FirstLoadJs): string[] {
  const ratio = app.transferredBytes / bare.transferredBytes;
  const decodedRatio = app.decodedBytes / bare.decodedBytes;
  const aim = PAGE_AIMS.firstLoadJsRatio;
  const row = (name: string, m: FirstLoadJs) =>
    markdownRow([
      name.padEnd(25),
      String(m.scripts.length).padStart(7),
      kb(m.transferredBytes).padStart(14),
      kb(m.decodedBytes).padStart(10),
    ]);
  return [
    'First-load JavaScript (headless Chromium, empty cache, every script until the network is idle; ' +
      'transferred = gzip body as sent by `next start`, decoded = as parsed):',
    '',
    markdownRow(['page'.padEnd(25), 'scripts', 'transferred KB', 'decoded KB']),
    markdownRow(['-'.repeat(25), '------:', '-------------:', '---------:']),
    row('`/` (signed in)', app),
    row('bare fixture page', bare),
    '',
    `- **\`/\` / bare = ${ratio.toFixed(2)}** transferred, ${decodedRatio.toFixed(2)} decoded: the aim of ≤ ${aim} is ` +
      `${ratio <= aim ? 'met' : 'not met'} (reported, not enforced).`,
    `- \`/\`'s largest scripts (decoded KB): ${largest(app)}`,
    `- the bare page's: ${largest(bare)}`,
  ];
}

function largest(m: FirstLoadJs): string {
  return [...m.scripts]
    .sort((a, b) => b.decodedBytes - a.decodedBytes)
    .slice(0, 6)
    .map((s) => `\`${s.url.replace(/^\/_next\/static\/chunks\//, '')}\` ${kb(s.decodedBytes)}`)
    .join(', ');
}
