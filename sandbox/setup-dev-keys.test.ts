import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_END, BLOCK_START, readEnvBlock } from './env-block';
import { type RunningSandbox, startSandbox } from './server';
import { authorization } from './test-support/merchant';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tsx = path.join(repo, 'node_modules/.bin/tsx');
const script = path.join(repo, 'scripts/setup-dev-keys.ts');
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

describe('scripts/setup-dev-keys.ts', () => {
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
      SESSION_SECRET: expect.stringMatching(/^\w{48}$/),
    });
    expect(file('.data/keys/merchant_private_key.pem')).toContain('BEGIN PRIVATE KEY');
    expect(file('.data/keys/wechatpay_public_key.pem')).toContain('BEGIN PUBLIC KEY');
    expect(statSync(path.join(dir, '.data/keys/merchant_private_key.pem')).mode & 0o077).toBe(0);
  });

  it('is idempotent', async () => {
    const before = { env: file('.env.local'), key: file('.data/keys/merchant_private_key.pem') };
    await setup();
    expect({ env: file('.env.local'), key: file('.data/keys/merchant_private_key.pem') }).toEqual(before);
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

  describe('the generated files drive a sandbox', () => {
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

    it('accepts requests signed with the merchant key file', async () => {
      const target = `/v3/pay/transactions/out-trade-no/NOT_CREATED_1?mchid=${setting('WECHATPAY_MCHID')}`;
      const keys = {
        mchid: setting('WECHATPAY_MCHID'),
        merchantSerialNo: setting('WECHATPAY_MERCHANT_SERIAL_NO'),
        merchantPrivateKeyPem: file(setting('WECHATPAY_MERCHANT_PRIVATE_KEY_FILE')),
      };
      const response = await fetch(`${sandbox.url}${target}`, {
        headers: { Authorization: authorization(keys, 'GET', target, '') },
      });
      expect(response.status).toBe(404);
    });
  });
});
