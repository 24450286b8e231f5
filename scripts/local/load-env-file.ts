// Scripts run outside Next.js, which is what normally reads .env.local: load it the same way
// (variables already set in the environment win). An empty value means unset, as in lib/env.ts, so
// that `.env.example` copied as it is changes nothing.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const ENV_LOCAL_PATH = resolve(import.meta.dirname, '../../.env.local');

export function loadLocalEnvFile(path = ENV_LOCAL_PATH): void {
  if (existsSync(path)) process.loadEnvFile(path);
  for (const [name, value] of Object.entries(process.env)) if (value === '') delete process.env[name];
}
