import 'server-only';
import { createHash, timingSafeEqual } from 'node:crypto';
import { getEnv } from '../env';
import { AppError } from '../http/app-error';
import { runSweeps, type SweepsResult } from './run-sweeps';

// One sweep on request, for platforms without a long-lived process (Vercel Cron calls the route on
// the schedule in vercel.json with `Authorization: Bearer $CRON_SECRET`). Safe beside the timers of
// `next start` instances: orders are leased from PostgreSQL.

/** Leaves room under a serverless function's own time limit (60 s by default on Vercel). */
const CRON_SWEEP_MS = 45_000;

export async function runCronSweep(authorization: string | null): Promise<SweepsResult> {
  const secret = getEnv().CRON_SECRET;
  // Not configured: the route doesn't exist, as far as anyone can tell.
  if (!secret) throw new AppError('not_found', 'Not found');
  if (!authorization || !sameSecret(authorization, `Bearer ${secret}`)) {
    throw new AppError('unauthorized', 'Authorization: Bearer <CRON_SECRET> required');
  }
  return runSweeps({ maxDurationMs: CRON_SWEEP_MS });
}

function sameSecret(presented: string, expected: string): boolean {
  // Digests: a constant-time comparison whatever the lengths.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
