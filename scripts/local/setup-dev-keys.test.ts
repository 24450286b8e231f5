import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv, promisify } from 'node:util';
import { type RunningSandbox, startSandbox } from '@recharge/wechatpay-sandbox/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getEnv, resetEnvForTests } from '@/lib/env';
import { createWechatPayClient, loadWechatPayConfig } from '@/lib/wechat-pay';
import { BLOCK_END, BLOCK_START, readEnvBlock } from './env-block';
import { describeDevKeys, writeDevKeys } from './write-dev-keys';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tsx = path.join(repo, 'node_modules/.bin/tsx');
const script = path.join(repo, 'scripts/local/setup-dev-keys.ts');
const run = promisify(execFile);

let dir: string;
const file = (name: string) => readFileSync(path.join(dir, name), 'utf8');
const setup = (...args: string[]) => run(tsx, [script, ...args], { cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dev-keys-'));
  writeFileSync(path.join(dir, 'package.json'), '{}');
  writeFileSync(path.join(dir, '.env.local'), '# mine\nDATABASE_URL=postgresql://me@localhost/db\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each run starts tsx in a child process: seconds on a busy machine, hence the longer timeout.
describe('scripts/local/setup-dev-keys.ts', { timeout: 30_000 }, () => {
  let first: Map<string, string>;

  it('generates the key files and an .env.local block, keeping the developer’s lines', async () => {
    await setup();
    const env = file('.env.local');
    expect(env.startsWith('# mine\nDATABASE_URL=postgresql://me@localhost/db\n')).toBe(true);
    expect(env).toContain(BLOCK_START);
    expect(env).toContain(BLOCK_END);
    first = readEnvBlock(env);
    expect(Object.fromEntries(first)).toMatchObject({
      WECHATPAY_BASE_URL: 'http://127.0.0.1:3100',
      WECHATPAY_MCHID: expect.stringMatching(/^\d+$/),
      WECHATPAY_APPID: expect.stringMatching(/^wx/),
      WECHATPAY_MERCHANT_SERIAL_NO: expect.stringMatching(/^[0-9A-F]{40}$/),
      WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: '.data/keys/merchant_private_key.pem',
      WECHATPAY_PUBLIC_KEY_ID: expect.stringMatching(/^PUB_KEY_ID_01\d{32}$/),
      WECHATPAY_PUBLIC_KEY_FILE: '.data/keys/wechatpay_public_key.pem',
      WECHATPAY_APIV3_KEY: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      SANDBOX_MERCHANT_PUBLIC_KEY_FILE: '.data/keys/merchant_public_key.pem',
      SANDBOX_WECHATPAY_PRIVATE_KEY_FILE: '.data/keys/wechatpay_private_key.pem',
      SESSION_SECRET: expect.stringMatching(/^[A-Za-z0-9]{48}$/),
    });
    expect(file('.data/keys/merchant_private_key.pem')).toContain('BEGIN PRIVATE KEY');
    expect(file('.data/keys/wechatpay_public_key.pem')).toContain('BEGIN PUBLIC KEY');
    expect(statSync(path.join(dir, '.data/keys/merchant_private_key.pem')).mode & 0o077).toBe(0);
  });

  let rerunOutput = '';

  it('is idempotent', async () => {
    const before = { env: file('.env.local'), key: file('.data/keys/merchant_private_key.pem') };
    rerunOutput = (await setup()).stdout;
    expect({ env: file('.env.local'), key: file('.data/keys/merchant_private_key.pem') }).toEqual(before);
    expect(rerunOutput).toContain('settings in .env.local (unchanged)');
  });

  it('tells the developer who ran it directly what to run next', () => {
    const stdout = rerunOutput;
    expect(stdout).toContain('Next: npm run up (the whole stack), or npm run sandbox alone');
    expect(stdout).toContain('http://127.0.0.1:3100');
  });

  it('regenerates everything with --force, still in one block', async () => {
    await setup('--force');
    const env = file('.env.local');
    const forced = readEnvBlock(env);
    expect(forced.get('WECHATPAY_MERCHANT_SERIAL_NO')).not.toBe(first.get('WECHATPAY_MERCHANT_SERIAL_NO'));
    expect(forced.get('WECHATPAY_APIV3_KEY')).not.toBe(first.get('WECHATPAY_APIV3_KEY'));
    expect(env.split(BLOCK_START)).toHaveLength(2);
    expect(env).toContain('DATABASE_URL=postgresql://me@localhost/db');
  });

  describe('the generated files drive the sandbox and the app’s WeChat Pay client', () => {
    let sandbox: RunningSandbox;
    let env: Map<string, string>;
    const setting = (name: string) => env.get(name) ?? '';

    beforeAll(async () => {
      env = readEnvBlock(file('.env.local'));
      sandbox = await startSandbox({
        mchid: setting('WECHATPAY_MCHID'),
        appid: setting('WECHATPAY_APPID'),
        merchantSerialNo: setting('WECHATPAY_MERCHANT_SERIAL_NO'),
        merchantPublicKeyPem: file(setting('SANDBOX_MERCHANT_PUBLIC_KEY_FILE')),
        wechatpayPrivateKeyPem: file(setting('SANDBOX_WECHATPAY_PRIVATE_KEY_FILE')),
        wechatpayPublicKeyId: setting('WECHATPAY_PUBLIC_KEY_ID'),
        apiV3Key: setting('WECHATPAY_APIV3_KEY'),
      });
    });
    afterAll(() => sandbox.close());

    it('the sandbox accepts the client’s signed requests and the client verifies its answers', async () => {
      const config = loadWechatPayConfig(
        {
          WECHATPAY_BASE_URL: sandbox.url,
          WECHATPAY_MCHID: setting('WECHATPAY_MCHID'),
          WECHATPAY_APPID: setting('WECHATPAY_APPID'),
          WECHATPAY_MERCHANT_SERIAL_NO: setting('WECHATPAY_MERCHANT_SERIAL_NO'),
          WECHATPAY_MERCHANT_PRIVATE_KEY: undefined,
          WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: setting('WECHATPAY_MERCHANT_PRIVATE_KEY_FILE'),
          WECHATPAY_PUBLIC_KEY_ID: setting('WECHATPAY_PUBLIC_KEY_ID'),
          WECHATPAY_PUBLIC_KEY: undefined,
          WECHATPAY_PUBLIC_KEY_FILE: setting('WECHATPAY_PUBLIC_KEY_FILE'),
          WECHATPAY_PLATFORM_CERTIFICATES: undefined,
          WECHATPAY_PLATFORM_CERTIFICATES_FILE: undefined,
          WECHATPAY_APIV3_KEY: setting('WECHATPAY_APIV3_KEY'),
          WECHATPAY_TIMEOUT_MS: 5_000,
        },
        file,
      );
      const client = createWechatPayClient(config);
      const outTradeNo = `DK${Date.now()}`;
      const { codeUrl } = await client.createNativeOrder({
        outTradeNo,
        description: '开发密钥测试',
        amountFen: 100,
        timeExpire: new Date(Date.now() + 600_000),
        notifyUrl: 'http://127.0.0.1:9/notify',
      });
      expect(codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
      expect(await client.queryOrder(outTradeNo)).toMatchObject({ status: 'PENDING', amountFen: 100 });
    });
  });
});

describe('writeDevKeys (what npm run up calls on its first run)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'dev-keys-up-'));
    writeFileSync(path.join(root, 'package.json'), '{}');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes the block and reports where, without advice meant for a developer running it by hand', () => {
    const result = writeDevKeys({ root });
    expect(result).toMatchObject({ changed: true, sandboxUrl: 'http://127.0.0.1:3100' });
    expect(readEnvBlock(readFileSync(path.join(root, '.env.local'), 'utf8')).get('WECHATPAY_MCHID')).toMatch(
      /^\d+$/,
    );
    const summary = describeDevKeys(result);
    expect(summary.split('\n')[0]).toBe('Dev keys in .data/keys/, settings in .env.local.');
    expect(summary).not.toContain('Next:');
  });

  it('replaces in place a block whose start line names the script’s former path', () => {
    const envPath = path.join(root, '.env.local');
    const current = readFileSync(envPath, 'utf8');
    const former = '# >>> wechat-pay dev keys (generated by scripts/setup-dev-keys.ts)';
    writeFileSync(envPath, current.replace(BLOCK_START, former));
    const kept = readEnvBlock(readFileSync(envPath, 'utf8'));
    expect(kept.get('WECHATPAY_APIV3_KEY')).toBe(readEnvBlock(current).get('WECHATPAY_APIV3_KEY'));

    expect(writeDevKeys({ root }).changed).toBe(true);
    const env = readFileSync(envPath, 'utf8');
    expect(env).not.toContain(former);
    expect(env.split(BLOCK_START)).toHaveLength(2);
    expect(env.split(BLOCK_END)).toHaveLength(2);
    expect(readEnvBlock(env)).toEqual(kept);
  });

  it('completes a copy of .env.example into a working configuration, defaults untouched', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'dev-keys-example-'));
    try {
      writeFileSync(path.join(copy, 'package.json'), '{}');
      writeFileSync(path.join(copy, '.env.local'), readFileSync(path.join(repo, '.env.example'), 'utf8'));
      const result = writeDevKeys({ root: copy });
      // The example's empty lines set nothing, so nothing shadows the generated block.
      expect(result.notes.filter((note) => note.includes('outside the generated block'))).toEqual([]);

      // What Next.js and the scripts load from that file (the last assignment of a name wins).
      const loaded = parseEnv(readFileSync(path.join(copy, '.env.local'), 'utf8'));
      // Left unset, so that `npm run up` starts the embedded services instead of expecting them there.
      for (const name of ['DATABASE_URL', 'UPSTASH_REDIS_REST_URL', 'APP_BASE_URL', 'WECHATPAY_NOTIFY_URL']) {
        expect(loaded[name] ?? '', name).toBe('');
      }
      vi.unstubAllEnvs();
      for (const name of Object.keys(process.env)) {
        if (/^(WECHATPAY_|UPSTASH_|DATABASE_|SESSION_|APP_)/.test(name)) vi.stubEnv(name, undefined);
      }
      for (const [name, value] of Object.entries(loaded)) vi.stubEnv(name, value);
      resetEnvForTests();
      expect(getEnv()).toMatchObject({
        WECHATPAY_BASE_URL: 'http://127.0.0.1:3100',
        DATABASE_URL: 'postgresql://postgres@127.0.0.1:54329/postgres',
        ORDER_TTL_SECONDS: 600,
      });
    } finally {
      vi.unstubAllEnvs();
      resetEnvForTests();
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('refuses a directory without package.json rather than scattering keys', () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'dev-keys-none-'));
    try {
      expect(() => writeDevKeys({ root: elsewhere })).toThrow(/repository root/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
