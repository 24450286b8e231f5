// `npm run setup:keys [-- --force]` (tsx scripts/local/setup-dev-keys.ts), from the repo root: writes
// the dev key set and its .env.local block (see write-dev-keys.ts) and says what to run next.
// `npm run up` does the same on its first run through dev-keys.ts, without the advice.
import { createServiceLogger } from '@recharge/log';
import { describeDevKeys, writeDevKeys } from './write-dev-keys';

const logger = createServiceLogger('dev-keys');

const result = writeDevKeys({ root: process.cwd(), force: process.argv.includes('--force') });
logger.info(describeDevKeys(result));
logger.info(
  `Next: npm run up (the whole stack), or npm run sandbox alone (WeChat Pay sandbox at ${result.sandboxUrl}).`,
);
