// GET /api/live – Liveness: the process answers; touches no dependency.
import { NextResponse } from 'next/server';

export const dynamic = 'force-dynamic';

// Load balancers and orchestrators restart an instance when this fails; database or Redis trouble
// must not make every instance look dead at once (that is /api/health's job), so nothing is checked.
export function GET(): NextResponse {
  return NextResponse.json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } });
}
