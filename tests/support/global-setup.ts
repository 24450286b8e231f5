// Integration tests run against real PostgreSQL and real Redis through the same @upstash/redis
// path the app uses. Configured services are used when given (DATABASE_URL, REDIS_URL or
// UPSTASH_REDIS_REST_URL); otherwise ones of this run's own are started and thrown away: a private
// PostgreSQL cluster when PostgreSQL's programs are installed (the lease, lock and two-instance tests
// need several real sessions), else the embedded PGlite (one session: those tests can't pass on it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDevKeySet } from '@recharge/wechatpay-sandbox/keys';
import { silentLogger } from '@recharge/wechatpay-sandbox/server';
import type { TestProject } from 'vitest/node';
import { generateSessionSecret } from '../../scripts/local/session-secret';
import { startLocalStack } from '../../scripts/local/stack';
import { hasPostgresPrograms, type PrivatePostgres, startPrivatePostgres } from './private-postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    integrationEnv: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'recharge-test-db-'));
  const keys = generateDevKeySet();
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    SESSION_SECRET: generateSessionSecret(),
    WECHATPAY_MCHID: keys.mchid,
    WECHATPAY_APPID: keys.appid,
    WECHATPAY_MERCHANT_SERIAL_NO: keys.merchantSerialNo,
    WECHATPAY_MERCHANT_PRIVATE_KEY: keys.merchantPrivateKeyPem,
    WECHATPAY_PUBLIC_KEY_ID: keys.wechatpayPublicKeyId,
    WECHATPAY_PUBLIC_KEY: keys.wechatpayPublicKeyPem,
    WECHATPAY_APIV3_KEY: keys.apiV3Key,
    // Tests that need the sandbox start their own, with these keys, and point the client at it.
    WECHATPAY_BASE_URL: 'http://127.0.0.1:9/unset-in-tests',
    TEST_WECHATPAY_PRIVATE_KEY: keys.wechatpayPrivateKeyPem,
    TEST_MERCHANT_PUBLIC_KEY: keys.merchantPublicKeyPem,
    // Sign-in: tests that need it start a sandbox that knows this app and point the client at it.
    WECHAT_LOGIN_APPID: 'wx5e1f0c0ffee10917',
    WECHAT_LOGIN_SECRET: '0123456789abcdef0123456789abcdef',
    WECHAT_LOGIN_OPEN_BASE_URL: 'http://127.0.0.1:9/unset-in-tests',
    WECHAT_LOGIN_API_BASE_URL: 'http://127.0.0.1:9/unset-in-tests',
    // Test files run in parallel against one sandbox merchant and share its WeChat Pay call budget
    // (lib/rate-limit/wechat-pay-budget.ts); a sweep alone queries every PENDING order in the test
    // database. Far above that: tests/integration/orders/wechat-pay-budget.test.ts meets the budget
    // under a merchant id of its own.
    WECHATPAY_CREATE_CALLS_PER_SECOND: '100000',
    WECHATPAY_BACKGROUND_CALLS_PER_SECOND: '100000',
  };
  let postgres: PrivatePostgres | undefined;
  if (!process.env.DATABASE_URL) {
    if (hasPostgresPrograms()) {
      postgres = await startPrivatePostgres();
      baseEnv.DATABASE_URL = postgres.url;
    } else {
      process.stderr.write(
        'integration tests: no DATABASE_URL and no PostgreSQL programs (apt-get install postgresql): ' +
          'falling back to the embedded PGlite, a single session, on which the lease, lock and ' +
          'two-instance tests cannot pass.\n',
      );
    }
  }
  const stack = await startLocalStack({
    env: baseEnv,
    dataDir,
    // Random ports: a developer's `npm run up` may be using the default ones.
    embeddedPostgresPort: 0,
    upstashPort: 0,
    log: () => {},
    sandboxLogger: silentLogger,
  });
  project.provide('integrationEnv', stack.env);
  return async () => {
    await stack.close();
    postgres?.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
