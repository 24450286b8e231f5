import { afterEach, describe, expect, it, vi } from 'vitest';
import { getEnv, resetEnvForTests } from '@/lib/env';

const BASE = {
  SESSION_SECRET: 'x'.repeat(32),
  WECHATPAY_MCHID: '1900000001',
  WECHATPAY_APPID: 'wx0000000000000000',
  WECHATPAY_MERCHANT_SERIAL_NO: 'ABC',
  WECHATPAY_APIV3_KEY: 'k'.repeat(32),
  WECHAT_LOGIN_APPID: 'wx0000000000000001',
  WECHAT_LOGIN_SECRET: 'login-secret',
};

const PRODUCTION_ADDRESSES = {
  APP_BASE_URL: 'https://pay.example.com',
  DATABASE_URL: 'postgresql://app@db.internal:5432/app',
  UPSTASH_REDIS_REST_URL: 'https://eu1-example.upstash.io',
  UPSTASH_REDIS_REST_TOKEN: 'token',
  WECHATPAY_NOTIFY_URL: 'https://pay.example.com/api/wechat-pay/notify',
};

function loadWith(vars: Record<string, string>) {
  vi.unstubAllEnvs();
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('WECHATPAY_') || key.startsWith('UPSTASH_') || key === 'DATABASE_URL')
      vi.stubEnv(key, undefined);
  }
  for (const [key, value] of Object.entries(vars)) vi.stubEnv(key, value);
  resetEnvForTests();
  return getEnv();
}

afterEach(() => {
  vi.unstubAllEnvs();
  resetEnvForTests();
});

describe('getEnv', () => {
  it('applies the documented defaults outside production', () => {
    const env = loadWith({ ...BASE, NODE_ENV: 'development' });
    expect(env).toMatchObject({
      RECHARGE_MAX_FEN: 5_000_000,
      ORDER_TTL_SECONDS: 600,
      STATUS_POLL_INTERVAL_MS: 2_000,
      STATUS_QUERY_DELAY_MS: 5_000,
      PAGE_TIMEOUT_MS: 30_000,
      RECONCILE_INTERVAL_MS: 60_000,
      WECHATPAY_BASE_URL: 'https://api.mch.weixin.qq.com',
    });
  });

  it('refuses plain http in production unless the app is served on this machine only', () => {
    const production = { ...BASE, ...PRODUCTION_ADDRESSES, NODE_ENV: 'production' };
    expect(() => loadWith({ ...production, APP_BASE_URL: 'http://pay.example.com' })).toThrow(
      /APP_BASE_URL: must be https in production/,
    );
    for (const local of [
      'http://127.0.0.1:3000',
      'http://localhost:3000',
      'http://[::1]:3000',
      'https://pay.example.com',
    ]) {
      expect(loadWith({ ...production, APP_BASE_URL: local }).APP_BASE_URL).toBe(local);
    }
  });

  it('refuses to start in production without the addresses that default to localhost', () => {
    expect(() => loadWith({ ...BASE, NODE_ENV: 'production' })).toThrow(
      /APP_BASE_URL: required in production[\s\S]*WECHATPAY_NOTIFY_URL: required in production/,
    );
    expect(loadWith({ ...BASE, ...PRODUCTION_ADDRESSES, NODE_ENV: 'production' }).APP_BASE_URL).toBe(
      'https://pay.example.com',
    );
  });

  it('treats an empty value as unset: defaults apply, a required one is reported missing', () => {
    const env = loadWith({
      ...BASE,
      NODE_ENV: 'development',
      APP_BASE_URL: '',
      DATABASE_POOL_SIZE: '',
      WECHATPAY_PUBLIC_KEY: '',
      WECHATPAY_PUBLIC_KEY_ID: '',
      RECONCILE_INTERVAL_MS: '',
    });
    expect(env).toMatchObject({ APP_BASE_URL: 'http://127.0.0.1:3000', DATABASE_POOL_SIZE: 10 });
    expect(env.WECHATPAY_PUBLIC_KEY).toBeUndefined();
    expect(env.WECHATPAY_PUBLIC_KEY_ID).toBeUndefined();
    expect(env.RECONCILE_INTERVAL_MS).toBe(60_000);
    expect(() => loadWith({ ...BASE, NODE_ENV: 'development', WECHATPAY_MCHID: '' })).toThrow(
      /WECHATPAY_MCHID: required, not set/,
    );
    expect(() =>
      loadWith({ ...BASE, ...PRODUCTION_ADDRESSES, NODE_ENV: 'production', DATABASE_URL: '' }),
    ).toThrow(/DATABASE_URL: required in production/);
  });

  it.each<{ name: string; vars: Record<string, string>; error: RegExp }>([
    { name: 'a short SESSION_SECRET', vars: { SESSION_SECRET: 'short' }, error: /SESSION_SECRET/ },
    {
      name: 'an APIv3 key of 31 bytes',
      vars: { WECHATPAY_APIV3_KEY: 'k'.repeat(31) },
      error: /WECHATPAY_APIV3_KEY/,
    },
    { name: 'a non-numeric timeout', vars: { PAGE_TIMEOUT_MS: 'soon' }, error: /PAGE_TIMEOUT_MS/ },
    { name: 'a QR validity under 5 minutes', vars: { ORDER_TTL_SECONDS: '60' }, error: /ORDER_TTL_SECONDS/ },
  ])('names the variable for $name', ({ vars, error }) => {
    expect(() => loadWith({ ...BASE, NODE_ENV: 'development', ...vars })).toThrow(error);
  });
});
