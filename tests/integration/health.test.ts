import { PrismaPg } from '@prisma/adapter-pg';
import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, it } from 'vitest';
import { GET } from '@/app/api/health/route';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { checkHealth } from '@/lib/health/check-health';

// A port nothing listens on (discard): connections are refused at once.
const DEAD_DATABASE_URL = 'postgresql://postgres@127.0.0.1:9/postgres';
const deadDb = new PrismaClient({ adapter: new PrismaPg({ connectionString: DEAD_DATABASE_URL }) });
const deadRedis = new Redis({ url: 'http://127.0.0.1:9', token: 'x', retry: false });

afterAll(() => deadDb.$disconnect());

describe('GET /api/health', () => {
  it('answers 200 with both dependencies ok when PostgreSQL and Redis answer', async () => {
    const response = await GET();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      checks: { database: 'ok', redis: 'ok' },
      down: [],
    });
  });
});

describe('checkHealth', () => {
  it.each([
    { name: 'the database', deps: { db: deadDb }, down: ['database'] },
    { name: 'Redis', deps: { redis: deadRedis }, down: ['redis'] },
    { name: 'both', deps: { db: deadDb, redis: deadRedis }, down: ['database', 'redis'] },
  ])('names $name as down when it does not answer', async ({ deps, down }) => {
    const report = await checkHealth(deps);
    expect(report.status).toBe('degraded');
    expect(report.down).toEqual(down);
  });
});
