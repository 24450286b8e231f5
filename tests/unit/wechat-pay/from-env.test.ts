import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetEnvForTests } from '@/lib/env';
import { getWechatPayClient, getWechatPayConfig, resetWechatPayForTests } from '@/lib/wechat-pay/from-env';
import {
  createWechatPayTestKeys,
  toWechatPayEnv,
  type WechatPayTestKeys,
} from '../../support/wechat-pay-keys';

let keys: WechatPayTestKeys;
beforeAll(async () => {
  keys = await createWechatPayTestKeys();
});
afterEach(() => {
  vi.unstubAllEnvs();
  resetEnvForTests();
  resetWechatPayForTests();
});

function stubEnv(): void {
  vi.stubEnv('SESSION_SECRET', 'x'.repeat(32));
  vi.stubEnv('WECHAT_LOGIN_APPID', 'wx0000000000000001');
  vi.stubEnv('WECHAT_LOGIN_SECRET', 'login-secret');
  for (const [name, value] of Object.entries(toWechatPayEnv(keys))) {
    if (value !== undefined) vi.stubEnv(name, String(value));
  }
}

describe('getWechatPayConfig', () => {
  it("builds the adapter config from the app's validated env, once", () => {
    stubEnv();
    const config = getWechatPayConfig();
    expect(config).toMatchObject({
      mchid: keys.mchid,
      appid: keys.appid,
      merchantSerialNo: keys.merchant.serialNo,
    });
    expect(config.verificationKeys.has(keys.wechatpay.publicKeyId)).toBe(true);
    expect(getWechatPayConfig()).toBe(config);
    const client = getWechatPayClient();
    expect(typeof client.createNativeOrder).toBe('function');
    expect(getWechatPayClient()).toBe(client);
  });

  it('fails with a message naming the missing variable', () => {
    stubEnv();
    vi.stubEnv('WECHATPAY_MERCHANT_PRIVATE_KEY', undefined);
    expect(() => getWechatPayConfig()).toThrow(/WECHATPAY_MERCHANT_PRIVATE_KEY/);
  });
});
