// Generates the Prisma client (postinstall). Prisma's CLI insists on having its native schema
// engine before any command, and downloads it when absent; offline that download fails although
// `generate` never uses the engine. When no engine is installed we point Prisma at an existing
// file so `generate` runs; where the engine was downloaded normally, nothing is changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

function hasInstalledSchemaEngine() {
  try {
    const enginesDir = dirname(require.resolve('@prisma/engines/package.json'));
    return readdirSync(enginesDir).some((name) => name.startsWith('schema-engine'));
  } catch {
    return false;
  }
}

// CHECKPOINT_DISABLE: no update check (it phones home; offline it once left `generate` hanging).
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY && !hasInstalledSchemaEngine()) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}

const prismaBin = require.resolve('prisma/build/index.js');
if (!existsSync(prismaBin)) throw new Error(`prisma CLI not found at ${prismaBin}`);
const result = spawnSync(process.execPath, [prismaBin, 'generate', ...process.argv.slice(2)], {
  env,
  stdio: 'inherit',
  // Generation takes about a second; never let an install hang on it.
  timeout: 120_000,
});
if (result.error) console.error(`prisma generate failed: ${result.error.message}`);
process.exit(result.status ?? 1);
