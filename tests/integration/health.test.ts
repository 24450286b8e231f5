import { PrismaPg } from '@prisma/adapter-pg';
import { Redis } from '@upstash/redis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GET } from '@/app/api/health/route';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { checkHealth, sharedHealthReport } from '@/lib/health/check-health';
import { getRedis } from '@/lib/redis';
import { withEnv } from '../support/orders-harness';

// A port nothing listens on (discard): connections are refused at once.
const DEAD_DATABASE_URL = 'postgresql://postgres@127.0.0.1:9/postgres';
const deadDb = new PrismaClient({ adapter: new PrismaPg({ connectionString: DEAD_DATABASE_URL }) });
const deadRedis = new Redis({ url: 'http://127.0.0.1:9', token: 'x', retry: false });

afterAll(() => deadDb.$disconnect());

describe('GET /api/health', () => {
  it('answers 200 with both dependencies ok when PostgreSQL and Redis answer', async () => {
    // The tests' WECHATPAY_BASE_URL is deliberately unusable; a loadable config, nothing listening.
    const response = await withEnv({ WECHATPAY_BASE_URL: 'http://127.0.0.1:9' }, () => GET());
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
    // Public-key mode (the test env): the public key is trusted, it has no end, nothing is downloaded.
    expect(body.wechatpay).toEqual({
      verifyWith: 'public-key',
      trustedSerials: [process.env.WECHATPAY_PUBLIC_KEY_ID],
      certificateDaysLeft: null,
      lastRefreshAgeSeconds: null,
      consecutiveRefreshFailures: 0,
      startupCheck: 'not-run',
    });
  });
});

describe('WeChat Pay keys in /api/health', () => {
  const healthy = {
    verifyWith: 'certificates' as const,
    trustedSerials: ['5157F09EFDC096DE15EBE81A47057A7232F1B8E1'],
    certificateDaysLeft: 400,
    lastRefreshAgeSeconds: 600,
    consecutiveRefreshFailures: 0,
    startupCheck: 'passed' as 'passed' | 'failed' | 'not-run',
  };
  const reconciler = async () => ({ oldestDueAgeSeconds: null, openExceptions: 0, lastSweepAgeSeconds: 30 });
  it.each([
    { name: 'a certificate trusted, fresh', state: healthy, attention: [] },
    {
      name: 'no key valid now',
      state: { ...healthy, trustedSerials: [] },
      attention: ['wechatpay-no-valid-key'],
    },
    {
      name: 'WeChat out of reach at start',
      state: { ...healthy, startupCheck: 'failed' as 'passed' | 'failed' },
      attention: ['wechatpay-startup-check-failed'],
    },
    {
      name: '29 days left',
      state: { ...healthy, certificateDaysLeft: 29 },
      attention: ['wechatpay-cert-expiring'],
    },
    { name: '30 days left', state: { ...healthy, certificateDaysLeft: 30 }, attention: [] },
    {
      name: 'failing, last success 13 h ago',
      state: { ...healthy, consecutiveRefreshFailures: 2, lastRefreshAgeSeconds: 13 * 3600 },
      attention: ['wechatpay-refresh-failing'],
    },
    {
      name: 'failing, never succeeded',
      state: { ...healthy, consecutiveRefreshFailures: 1, lastRefreshAgeSeconds: null },
      attention: ['wechatpay-refresh-failing'],
    },
    {
      name: 'one failure, last success 2 h ago (the next try is due)',
      state: { ...healthy, consecutiveRefreshFailures: 1, lastRefreshAgeSeconds: 7200 },
      attention: [],
    },
    {
      name: 'public-key mode, never downloaded',
      state: {
        ...healthy,
        verifyWith: 'public-key' as const,
        certificateDaysLeft: null,
        lastRefreshAgeSeconds: null,
        consecutiveRefreshFailures: 1,
      },
      attention: [],
    },
  ])('$name: $attention', async ({ state, attention }) => {
    const report = await checkHealth({ reconciler, wechatpay: async () => state });
    expect(report.wechatpay).toEqual(state);
    expect(report.attention).toEqual(attention);
    expect(report.status).toBe(attention.length === 0 ? 'ok' : 'degraded');
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
