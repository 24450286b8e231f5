import { PrismaPg } from '@prisma/adapter-pg';
import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GET } from '@/app/api/health/route';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { checkHealth, sharedHealthReport } from '@/lib/health/check-health';
import { getRedis } from '@/lib/redis';

// A port nothing listens on (discard): connections are refused at once.
const DEAD_DATABASE_URL = 'postgresql://postgres@127.0.0.1:9/postgres';
const deadDb = new PrismaClient({ adapter: new PrismaPg({ connectionString: DEAD_DATABASE_URL }) });
const deadRedis = new Redis({ url: 'http://127.0.0.1:9', token: 'x', retry: false });

afterAll(() => deadDb.$disconnect());

describe('GET /api/health', () => {
  it('answers 200 with both dependencies ok when PostgreSQL and Redis answer', async () => {
    const response = await GET();
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ checks: { database: 'ok', redis: 'ok' }, down: [] });
    // The shared test database holds whatever other tests left (exceptions, overdue orders): the
    // reconciler's figures are there, and the thresholds are checked below with set values.
    expect(body.reconciler).toEqual({
      oldestDueAgeSeconds: expect.toSatisfy((v: unknown) => v === null || typeof v === 'number'),
      openExceptions: expect.any(Number),
      lastSweepAgeSeconds: expect.toSatisfy((v: unknown) => v === null || typeof v === 'number'),
    });
  });
});

describe('the reconciler in /api/health', () => {
  const healthy = { oldestDueAgeSeconds: 12, openExceptions: 0, lastSweepAgeSeconds: 30 };
  it.each([
    { name: 'all within bounds', state: healthy, attention: [] },
    { name: 'nothing due', state: { ...healthy, oldestDueAgeSeconds: null }, attention: [] },
    {
      name: 'an order due for six minutes',
      state: { ...healthy, oldestDueAgeSeconds: 360 },
      attention: ['due-backlog'],
    },
    { name: 'an open exception', state: { ...healthy, openExceptions: 1 }, attention: ['open-exceptions'] },
    {
      name: 'no sweep for eleven minutes',
      state: { ...healthy, lastSweepAgeSeconds: 660 },
      attention: ['reconciler-stale'],
    },
    {
      name: 'never a sweep, an order due',
      state: { ...healthy, lastSweepAgeSeconds: null },
      attention: ['reconciler-stale'],
    },
    {
      name: 'never a sweep, nothing due yet (a fresh deployment)',
      state: { oldestDueAgeSeconds: null, openExceptions: 0, lastSweepAgeSeconds: null },
      attention: [],
    },
  ])('$name: $attention', async ({ state, attention }) => {
    const report = await checkHealth({ reconciler: async () => state });
    expect(report.attention).toEqual(attention);
    expect(report.status).toBe(attention.length === 0 ? 'ok' : 'degraded');
    expect(report.reconciler).toEqual(state);
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

describe('a database that hangs', () => {
  it('bounds the reconciler figures by the probes’ timeout: the report comes, without them', async () => {
    const started = Date.now();
    const report = await checkHealth({ reconciler: () => new Promise(() => {}) });
    expect(report.checks.database).toBe('ok');
    expect(report.reconciler).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('sharedHealthReport', () => {
  it('probes once for any number of requests within a second, and again after it', async () => {
    const ping = vi.spyOn(getRedis(), 'ping');
    try {
      const start = Date.now() + 60_000;
      const reports = await Promise.all(Array.from({ length: 50 }, (_, i) => sharedHealthReport(start + i)));
      expect(new Set(reports).size).toBe(1);
      expect(reports[0]?.checks).toEqual({ database: 'ok', redis: 'ok' });
      expect(ping).toHaveBeenCalledTimes(1);
      await sharedHealthReport(start + 999);
      expect(ping).toHaveBeenCalledTimes(1);
      await sharedHealthReport(start + 1_000);
      expect(ping).toHaveBeenCalledTimes(2);
    } finally {
      ping.mockRestore();
    }
  });
});
