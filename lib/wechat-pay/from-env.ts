import 'server-only';
import { getEnv } from '../env';
import { createWechatPayClient, type WechatPayClient } from './client';
import { loadWechatPayConfig, type WechatPayConfig } from './config';

// The app's wiring: config and client built from the validated env on first use (not at import, so that
// `next build` can import routes without WeChat Pay credentials), then shared by every request.

let config: WechatPayConfig | undefined;
let client: WechatPayClient | undefined;

export function getWechatPayConfig(): WechatPayConfig {
  config ??= loadWechatPayConfig(getEnv());
  return config;
}

export function getWechatPayClient(): WechatPayClient {
  client ??= createWechatPayClient(getWechatPayConfig());
  return client;
}

/** For tests that change process.env between cases (pair with resetEnvForTests). */
export function resetWechatPayForTests(): void {
  config = undefined;
  client = undefined;
}
