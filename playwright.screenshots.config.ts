import { rmSync } from 'node:fs';
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// `npm run screenshots`: the README's pictures, taken from the real stack (the e2e one: same server,
// sandbox and sign-in) at a phone viewport (390×844) and a desktop one, into docs/screenshots/. On a
// database of its own, emptied first: the console's pictures (a day's bill) show this run's orders only.
const DATA_DIR = '.data/screenshots';
// The main process starts the server; workers load this file too and must leave its data alone.
if (process.env.TEST_WORKER_INDEX === undefined) rmSync(DATA_DIR, { recursive: true, force: true });

const webServer = Array.isArray(base.webServer) ? base.webServer[0] : base.webServer;

export default defineConfig({
  ...base,
  testDir: './scripts/screenshots',
  reporter: [['list']],
  retries: 0,
  webServer: webServer && { ...webServer, env: { ...webServer.env, LOCAL_DATA_DIR: DATA_DIR } },
});
