// GET /api/live – Liveness: the process answers; touches no dependency.
import { NextResponse } from 'next/server';
import { withApiHeaders } from '@/lib/http/api-headers';

export const dynamic = 'force-dynamic';

// Load balancers and orchestrators restart an instance when this fails; database or Redis trouble
// must not make every instance look dead at once (that is /api/health's job), so nothing is checked.
export function GET(): NextResponse {
  return withApiHeaders(NextResponse.json({ status: 'ok' }));
}
