// GET /api/cron/reconcile: one sweep for a scheduler (Vercel Cron), only with the shared secret.
import { afterAll, describe, expect, it } from 'vitest';
import { GET } from '@/app/api/cron/reconcile/route';
import { getDb } from '@/lib/db';
import { resetEnvForTests } from '@/lib/env';

const SECRET = 'cron-secret-for-tests-0123456789';

function call(authorization?: string) {
  const headers = authorization ? { authorization } : undefined;
  return GET(new Request('http://127.0.0.1/api/cron/reconcile', { headers }) as never, undefined as never);
}

function withSecret(secret: string | undefined): void {
  if (secret === undefined) delete process.env.CRON_SECRET;
  else process.env.CRON_SECRET = secret;
  resetEnvForTests();
}

afterAll(() => withSecret(undefined));

describe('GET /api/cron/reconcile', () => {
  it('does not exist while CRON_SECRET is unset', async () => {
    withSecret(undefined);
    expect((await call(`Bearer ${SECRET}`)).status).toBe(404);
  });

  it.each([
    { name: 'no Authorization', authorization: undefined },
    { name: 'another secret', authorization: 'Bearer not-the-secret-at-all' },
    { name: 'the secret without Bearer', authorization: SECRET },
    { name: 'the secret with a suffix', authorization: `Bearer ${SECRET}x` },
  ])('answers 401 to $name, sweeping nothing', async ({ authorization }) => {
    withSecret(SECRET);
    const before = await getDb().reconcilerHeartbeat.findUnique({ where: { id: 1 } });
    const response = await call(authorization);
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('unauthorized');
    expect(await getDb().reconcilerHeartbeat.findUnique({ where: { id: 1 } })).toEqual(before);
  });

  it('runs one sweep with the secret and says what it did', async () => {
    withSecret(SECRET);
    const started = new Date();
    const response = await call(`Bearer ${SECRET}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expect(body).toEqual({
      checked: expect.any(Number),
      failed: expect.any(Number),
      exceptions: expect.any(Number),
      throttled: expect.any(Boolean),
      refunds: { checked: expect.any(Number), failed: expect.any(Number), throttled: expect.any(Boolean) },
      // Yesterday's bill, once a day after 10:00 Beijing time (null when not due).
      bill:
        body.bill === null
          ? null
          : {
              billDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
              status: expect.any(String),
              newDifferences: expect.any(Number),
            },
    });
    const beat = await getDb().reconcilerHeartbeat.findUniqueOrThrow({ where: { id: 1 } });
    expect(beat.lastSweepAt.getTime()).toBeGreaterThanOrEqual(started.getTime());
  });
});
