// Local runs need WeChat Pay keys: the first one generates a dev set into .env.local.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ENV_LOCAL_PATH, loadLocalEnvFile } from './load-env-file';

const ROOT = resolve(import.meta.dirname, '../..');

/** Loads .env.local; when it has no WeChat Pay configuration, runs scripts/setup-dev-keys.ts first. */
export function ensureDevKeys(): void {
  loadLocalEnvFile();
  if (process.env.WECHATPAY_MCHID) return;
  console.log(`No WeChat Pay configuration found: generating dev keys into ${ENV_LOCAL_PATH}`);
  const setup = spawnSync(process.execPath, ['--import', 'tsx', resolve(ROOT, 'scripts/setup-dev-keys.ts')], {
    stdio: 'inherit',
    cwd: ROOT,
  });
  if (setup.status !== 0) throw new Error('scripts/setup-dev-keys.ts failed');
  loadLocalEnvFile();
}
