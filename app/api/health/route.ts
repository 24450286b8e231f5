// GET /api/health – State of the database and Redis: 200 when both answer, 503 naming what is down.
import { NextResponse } from 'next/server';
import { checkHealth } from '@/lib/health/check-health';
import { withApiHeaders } from '@/lib/http/api-headers';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<NextResponse> {
  const report = await checkHealth();
  return withApiHeaders(NextResponse.json(report, { status: report.status === 'ok' ? 200 : 503 }));
}
