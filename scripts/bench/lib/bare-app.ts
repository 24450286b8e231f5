// The baseline the pages are measured against: the bare fixture app (scripts/bench/fixtures/bare-app,
// one page with one small client component), built with the repository's own next, react and
// react-dom, in the same run as the measurement, and served by `next start` like the app.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { benchLog } from './log';
import { type NextServer, startNextServer } from './next-server';
import { NEXT_BIN, ROOT } from './settings';

const BARE_APP_DIR = resolve(ROOT, 'scripts/bench/fixtures/bare-app');

/** A fresh `next build` every run (about 15 s): the baseline is always today's Next.js and React. */
export function buildBareApp(): void {
  benchLog.info('bare fixture page: next build');
  const started = Date.now();
  const env: Record<string, string | undefined> = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  delete env.NODE_ENV;
  // Its cwd is the fixture: Next.js resolves its tsconfig.json and next.config.mjs from there.
  const build = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
    cwd: BARE_APP_DIR,
    env: env as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    throw new Error(`next build of the bare fixture failed:\n${build.stdout}\n${build.stderr}`);
  }
  benchLog.info(`bare fixture page built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export function startBareApp(port: number): NextServer {
  const env: Record<string, string> = { NEXT_TELEMETRY_DISABLED: '1' };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return startNextServer(port, env, { cwd: BARE_APP_DIR, readyPath: '/' });
}
