import 'server-only';
import { getEnv } from '../env';
import { attachPlatformCertificates } from '../platform-certificates/attach';
import { createWechatPayClient, type WechatPayClient } from './client';
import { loadWechatPayConfig, type WechatPayConfig } from './config';

// The app's wiring: config and client built from the validated env on first use (not at import, so that
// `next build` can import routes without WeChat Pay credentials), then shared by every request. Kept on
// globalThis: Next.js may load this module more than once in one process (instrumentation, route
// bundles), and all of them must share one key ring, the one the certificate refresher keeps current.

const globalForWechatPay = globalThis as typeof globalThis & {
  __wechatPay?: { config?: WechatPayConfig; client?: WechatPayClient };
};

function state(): { config?: WechatPayConfig; client?: WechatPayClient } {
  globalForWechatPay.__wechatPay ??= {};
  return globalForWechatPay.__wechatPay;
}

export function getWechatPayConfig(): WechatPayConfig {
  const shared = state();
  if (!shared.config) {
    const config = loadWechatPayConfig(getEnv());
    attachPlatformCertificates(config);
    shared.config = config;
  }
  return shared.config;
}

export function getWechatPayClient(): WechatPayClient {
  const shared = state();
  shared.client ??= createWechatPayClient(getWechatPayConfig());
  return shared.client;
}

/** For tests that change process.env between cases (pair with resetEnvForTests). */
export function resetWechatPayForTests(): void {
  globalForWechatPay.__wechatPay = {};
}
