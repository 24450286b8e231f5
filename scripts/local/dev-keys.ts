// Local runs need WeChat Pay keys: the first one generates a dev set into .env.local.
import { resolve } from 'node:path';
import { createServiceLogger } from '@recharge/log';
import { ENV_LOCAL_PATH, loadLocalEnvFile } from './load-env-file';
import { describeDevKeys, writeDevKeys } from './write-dev-keys';

const ROOT = resolve(import.meta.dirname, '../..');

/** Loads .env.local; when it has no WeChat Pay configuration, writes the dev key set first. */
export function ensureDevKeys(): void {
  loadLocalEnvFile();
  if (process.env.WECHATPAY_MCHID) return;
  const logger = createServiceLogger('dev-keys');
  logger.info({ path: ENV_LOCAL_PATH }, 'No WeChat Pay configuration found: generating dev keys');
  logger.info(describeDevKeys(writeDevKeys({ root: ROOT })));
  loadLocalEnvFile();
}
