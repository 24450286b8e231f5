// GET /api/health – The database, Redis and the reconciler. 503 when a dependency is down (the body
// names it); 200 otherwise, with status "degraded" and `attention` when the reconciler needs a person
// (a backlog of due orders, open payment exceptions, no recent sweep): the instance itself serves.
// Public and unthrottled: each instance probes at most once a second, whoever asks (sharedHealthReport).
import { NextResponse } from 'next/server';
import { sharedHealthReport } from '@/lib/health/check-health';
import { withApiHeaders } from '@/lib/http/api-headers';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<NextResponse> {
  const report = await sharedHealthReport();
  return withApiHeaders(NextResponse.json(report, { status: report.down.length === 0 ? 200 : 503 }));
}
