import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { expect, test } from '@playwright/test';
import { SANDBOX_URL } from '../playwright.config';

// A production server (`next start`, the build under test) with a bad configuration must stop at
// once with a message naming what is wrong, rather than run and answer every request with a 500.

const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');
const PORT = Number(process.env.E2E_APP_PORT ?? 3210) + 9;

const PRODUCTION_ADDRESSES = {
  APP_BASE_URL: 'https://pay.example.com',
  DATABASE_URL: 'postgresql://app@127.0.0.1:1/app',
  UPSTASH_REDIS_REST_URL: 'https://redis.example.com',
  UPSTASH_REDIS_REST_TOKEN: 'token',
  WECHATPAY_NOTIFY_URL: 'https://pay.example.com/api/wechat-pay/notify',
};

/**
 * Starts `next start` with these variables and PATH; resolves when it exits. Next.js may top up unset
 * variables from the repository's .env files, so every variable a test relies on is given, if only empty.
 */
function startServer(vars: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    ...vars,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, 'start', '-p', String(PORT), process.cwd()], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`next start was still running after 30 s:\n${output}`));
    }, 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test('a server with invalid settings exits at start, naming every bad variable', async () => {
  const { code, output } = await startServer({
    SESSION_SECRET: 'too-short',
    WECHATPAY_APIV3_KEY: 'not-32-bytes',
    WECHATPAY_MCHID: '1900000001',
    WECHATPAY_APPID: '',
    WECHATPAY_MERCHANT_SERIAL_NO: '',
    WECHAT_LOGIN_APPID: '',
    WECHAT_LOGIN_SECRET: 'login-secret',
    DATABASE_URL: '',
  });
  expect(code).not.toBe(0);
  expect(output).toContain('The server cannot start');
  for (const name of [
    'SESSION_SECRET',
    'WECHATPAY_APIV3_KEY',
    'WECHATPAY_APPID: required, not set',
    'WECHATPAY_MERCHANT_SERIAL_NO: required, not set',
    'WECHAT_LOGIN_APPID: required, not set',
    'DATABASE_URL: required in production',
  ]) {
    expect(output).toContain(name);
  }
});

test('a server whose WeChat Pay key file is missing exits at start, naming it', async () => {
  const { code, output } = await startServer({
    ...PRODUCTION_ADDRESSES,
    SESSION_SECRET: 's'.repeat(32),
    WECHATPAY_MCHID: '1900000001',
    WECHATPAY_APPID: 'wx0000000000000001',
    WECHATPAY_MERCHANT_SERIAL_NO: 'ABCDEF',
    WECHATPAY_APIV3_KEY: 'k'.repeat(32),
    WECHAT_LOGIN_APPID: 'wx0000000000000002',
    WECHAT_LOGIN_SECRET: 'login-secret',
    WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: '/nonexistent/apiclient_key.pem',
  });
  expect(code).not.toBe(0);
  expect(output).toMatch(/The server cannot start: WeChat Pay config: .*WECHATPAY_MERCHANT_PRIVATE_KEY_FILE/);
});

// Settings that parse but don't work: only WeChat can tell, so the server asks it once at start
// (GET /v3/certificates, against the e2e stack's sandbox, which signs both ways) and stops naming what
// is wrong, rather than fail at the first payment. The other WeChat Pay settings come from the e2e
// stack's .env.local, which `next start` reads.
for (const { name, vars, message } of [
  {
    name: 'a merchant key that does not match its serial',
    vars: () => ({
      WECHATPAY_MERCHANT_PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString()
        .replace(/\n/g, '\\n'),
      WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: '',
    }),
    message:
      /The server cannot start: WeChat Pay refused our signature: WECHATPAY_MERCHANT_PRIVATE_KEY does not match WECHATPAY_MERCHANT_SERIAL_NO .*SIGN_ERROR/,
  },
  {
    name: 'an APIv3 key that is not the merchant portal one',
    vars: () => ({ WECHATPAY_APIV3_KEY: 'z'.repeat(32) }),
    message: /The server cannot start: WECHATPAY_APIV3_KEY is not the APIv3 key set in the merchant portal/,
  },
]) {
  test(`a server with ${name} exits at start, naming it`, async () => {
    const { code, output } = await startServer({
      ...PRODUCTION_ADDRESSES,
      SESSION_SECRET: 's'.repeat(32),
      WECHATPAY_BASE_URL: SANDBOX_URL,
      WECHATPAY_VERIFY_WITH: 'both',
      ...vars(),
    });
    expect(code).not.toBe(0);
    expect(output).toMatch(message);
  });
}
