import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, type Page, test } from '@playwright/test';
import { SANDBOX_URL } from '../playwright.config';
import { loadLocalEnvFile } from '../scripts/local/load-env-file';
import { type LocalStack, startLocalStack } from '../scripts/local/stack';
import { freePort } from '../tests/support/free-port';
import { type PrivateRedis, startPrivateRedis } from '../tests/support/private-redis';
import { Phone, payLikeAPerson } from './fixtures/phone';
import { expectSuccessPage, openRechargePage, startRecharge, yuan } from './fixtures/recharge';
import { signInContext } from './fixtures/sign-in';

// Redis dies for 20 s while a person pays (README, "When a dependency is down"). This story runs an
// app of its own (`next start`, the build under test) against a redis-server of its own that it kills
// and starts again, never the machine's Redis, and the e2e stack's WeChat Pay sandbox and database
// (the machine's PostgreSQL when DATABASE_URL is set, else an embedded one of its own).

const REDIS_DOWN_MS = 20_000;
const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');

interface StatusAnswer {
  at: number;
  httpStatus: number;
  orderId?: string;
  status?: string;
}

let redis: PrivateRedis;
let stack: LocalStack;
let app: ChildProcess;
let appUrl: string;
let appOutput = '';
let dataDir: string;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  redis = await startPrivateRedis();
  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(join(os.tmpdir(), 'recharge-redis-down-'));
  // The e2e stack's keys and login application (.env.local), as that app reads them.
  loadLocalEnvFile();
  stack = await startLocalStack({
    env: {
      ...process.env,
      APP_BASE_URL: appUrl,
      WECHATPAY_NOTIFY_URL: `${appUrl}/api/wechat-pay/notify`,
      // The e2e stack's sandbox (already running): no second one here.
      WECHATPAY_BASE_URL: SANDBOX_URL,
      SANDBOX_WECHATPAY_PRIVATE_KEY_FILE: '',
      // That sandbox signs with the public key and platform certificates (playwright.config.ts).
      WECHATPAY_VERIFY_WITH: 'both',
      WECHAT_LOGIN_OPEN_BASE_URL: SANDBOX_URL,
      WECHAT_LOGIN_API_BASE_URL: SANDBOX_URL,
      UPSTASH_REDIS_REST_URL: redis.bridge.url,
      UPSTASH_REDIS_REST_TOKEN: redis.bridge.token,
    },
    dataDir: join(dataDir, 'postgres'),
    appPort: port,
    embeddedPostgresPort: 0,
    log: () => {},
  });
  app = spawn(process.execPath, [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    env: {
      ...stack.env,
      PATH: process.env.PATH ?? '',
      NEXT_TELEMETRY_DISABLED: '1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    appOutput += chunk.toString();
  };
  app.stdout?.on('data', collect);
  app.stderr?.on('data', collect);
  await expect
    .poll(async () => (await fetch(`${appUrl}/api/live`).catch(() => undefined))?.status, { timeout: 60_000 })
    .toBe(200);
});

test.afterAll(async () => {
  if (app && app.exitCode === null) {
    const exited = new Promise((resolve) => app.once('exit', resolve));
    app.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000).then(() => app.kill('SIGKILL'))]);
  }
  await stack?.close();
  await redis?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Every answer of the status route the page polls, in order. */
function recordStatusAnswers(page: Page): StatusAnswer[] {
  const answers: StatusAnswer[] = [];
  page.on('response', async (response) => {
    if (!/^\/api\/orders\/[^/]+\/status$/.test(new URL(response.url()).pathname)) return;
    const answer: StatusAnswer = { at: Date.now(), httpStatus: response.status() };
    answers.push(answer);
    const body = (await response.json().catch(() => ({}))) as { orderId?: string; status?: string };
    answer.orderId = body.orderId;
    answer.status = body.status;
  });
  return answers;
}

test('Redis dies for 20 s while a person pays: the page still moves on, and every poll answers 200', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ baseURL: appUrl });
  const phone = new Phone(browser);
  try {
    await signInContext(context, undefined, appUrl);
    const page = await context.newPage();
    const answers = recordStatusAnswers(page);
    await openRechargePage(page);

    const first = await test.step('a QR code shows while Redis is up', () =>
      startRecharge(page, { custom: '0.05' }));

    const killedAt = Date.now();
    await test.step('Redis is killed (SIGKILL)', () => redis.kill());

    await test.step('polls go on: the order is still PENDING, answered from PostgreSQL', async () => {
      await expect
        .poll(() => answers.filter((a) => a.at > killedAt && a.status === 'PENDING').length, {
          timeout: 10_000,
        })
        .toBeGreaterThanOrEqual(2);
    });

    await test.step('the person pays: the page reaches the success page by itself', async () => {
      await payLikeAPerson(page, phone, { amount: yuan(5) });
      await expectSuccessPage(page, first, { balanceFen: 5, timeout: 15_000 });
    });

    const second =
      await test.step('with Redis still down, a second recharge is created and paid', async () => {
        await openRechargePage(page);
        const order = await startRecharge(page, { custom: '0.07' });
        await payLikeAPerson(page, phone, { amount: yuan(7) });
        await expectSuccessPage(page, order, { balanceFen: 12, timeout: 15_000 });
        return order;
      });
    expect(Date.now() - killedAt, 'both payments happened while Redis was down').toBeLessThan(REDIS_DOWN_MS);

    await test.step('Redis comes back after 20 s; the result page reloads with the same answer', async () => {
      await sleep(Math.max(0, REDIS_DOWN_MS - (Date.now() - killedAt)));
      await redis.start();
      await page.reload();
      await expect(page.getByRole('heading', { level: 1, name: '充值成功' })).toBeVisible();
      await expect(page.getByTestId('balance')).toHaveText(yuan(12));
    });

    await test.step('every status poll answered 200 with the state of its order at that time', async () => {
      const forOrder = (orderId: string) => answers.filter((a) => a.orderId === orderId);
      expect(answers.length).toBeGreaterThanOrEqual(4);
      expect(answers.filter((a) => a.httpStatus !== 200)).toEqual([]);
      for (const order of [first, second]) {
        const states = forOrder(order.orderId).map((a) => a.status);
        // PENDING until the payment, then PAID: never an error, never back.
        expect(states.at(-1)).toBe('PAID');
        expect(states.slice(states.indexOf('PAID')).every((s) => s === 'PAID')).toBe(true);
        expect(states.slice(0, states.indexOf('PAID')).every((s) => s === 'PENDING')).toBe(true);
      }
      expect(answers.every((a) => a.orderId === first.orderId || a.orderId === second.orderId)).toBe(true);
    });
  } catch (error) {
    process.stderr.write(`--- the story's app said (last 4000 characters) ---\n${appOutput.slice(-4000)}\n`);
    throw error;
  } finally {
    await phone.close();
    await context.close();
  }
});
