import 'server-only';
import { PrismaPg } from '@prisma/adapter-pg';
import { getEnv } from './env';
import { PrismaClient } from './generated/prisma/client';

// One client per process, created on first use (never at import: `next build` imports routes
// without a database). Kept on globalThis so dev-mode hot reloads don't open a pool per edit.
const globalForDb = globalThis as typeof globalThis & { __prisma?: PrismaClient };

export function getDb(): PrismaClient {
  if (!globalForDb.__prisma) {
    const env = getEnv();
    const adapter = new PrismaPg({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE });
    globalForDb.__prisma = new PrismaClient({ adapter });
  }
  return globalForDb.__prisma;
}

export type Db = PrismaClient;
