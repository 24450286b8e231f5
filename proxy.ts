// Runs before every page (Next.js 16 proxy): security headers, and a fresh nonce-based
// Content-Security-Policy per request. Not before API routes: they carry their headers themselves
// (next.config.mjs, the handlers), and a proxy in front of every poll of the status route would
// double its cost (npm run bench).
import { type NextRequest, NextResponse } from 'next/server';
import { requestIdOf } from '@/lib/http/request-id';
import { contentSecurityPolicy, securityHeaders } from '@/lib/http/security-headers';

export function proxy(request: NextRequest) {
  // Next.js reads the nonce from the request's CSP header and puts it on its own scripts.
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
  const policy = contentSecurityPolicy(nonce);
  const headers = new Headers(request.headers);
  headers.set('Content-Security-Policy', policy);
  // The page's request id, for its server components and in its answer (lib/http/request-id.ts).
  const requestId = requestIdOf(request.headers);
  headers.set('X-Request-Id', requestId);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('Content-Security-Policy', policy);
  response.headers.set('X-Request-Id', requestId);
  for (const [name, value] of Object.entries(securityHeaders())) response.headers.set(name, value);
  return response;
}

export const config = {
  // Pages only: not the API, not the static files Next.js serves itself.
  matcher: ['/((?!api/|_next/static|_next/image|favicon.ico|icon.svg|apple-touch-icon.png|robots.txt).*)'],
};
