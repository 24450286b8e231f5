// GET /api/cron/reconcile – One reconciler sweep, for platforms without a long-lived process
// (Vercel Cron, scheduled in vercel.json). Authorization: Bearer $CRON_SECRET; 401 otherwise, 404
// when CRON_SECRET is unset.
import { NextResponse } from 'next/server';
import { withApiHandler } from '@/lib/http/with-api-handler';
import { runCronSweep } from '@/lib/orders/run-cron-sweep';

export const dynamic = 'force-dynamic';
// The sweep stops claiming after 45 s.
export const maxDuration = 60;

export const GET = withApiHandler(async (request) => {
  const result = await runCronSweep(request.headers.get('authorization'));
  return NextResponse.json(result);
});
