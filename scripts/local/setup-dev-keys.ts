// `npm run setup:keys [-- --force]` (tsx scripts/local/setup-dev-keys.ts), from the repo root: writes
// the dev key set and its .env.local block (see write-dev-keys.ts) and says what to run next.
// `npm run up` does the same on its first run through dev-keys.ts, without the advice.
import { describeDevKeys, writeDevKeys } from './write-dev-keys';

const result = writeDevKeys({ root: process.cwd(), force: process.argv.includes('--force') });
console.log(describeDevKeys(result));
console.log(
  `Next: npm run up (the whole stack), or npm run sandbox alone (WeChat Pay sandbox at ${result.sandboxUrl}).`,
);
