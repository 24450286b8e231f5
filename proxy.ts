// Runs before every route (Next.js 16 proxy): security headers on every answer, a fresh nonce-based
// Content-Security-Policy on every page, and a clean 404 for paths that can't be percent-decoded
// (Next.js itself answers those with a bare 500).
import { type NextRequest, NextResponse } from 'next/server';
import { contentSecurityPolicy, securityHeaders } from '@/lib/http/security-headers';

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  const api = pathname.startsWith('/api/');
  if (!isDecodable(pathname)) {
    if (api) {
      return withHeaders(
        NextResponse.json({ error: { code: 'not_found', message: '请求的地址不存在' } }, { status: 404 }),
        securityHeaders({ api: true }),
      );
    }
    // Any path no route has: Next renders app/not-found.tsx with a 404.
    return pageResponse(request, (headers) =>
      NextResponse.rewrite(new URL('/_invalid-path', request.url), { request: { headers } }),
    );
  }
  if (api) return withHeaders(NextResponse.next(), securityHeaders({ api: true }));
  return pageResponse(request, (headers) => NextResponse.next({ request: { headers } }));
}

/** A page gets its own nonce: Next.js reads it from the request's CSP header and puts it on its scripts. */
function pageResponse(request: NextRequest, respond: (headers: Headers) => NextResponse): NextResponse {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
  const policy = contentSecurityPolicy(nonce);
  const headers = new Headers(request.headers);
  headers.set('x-nonce', nonce);
  headers.set('Content-Security-Policy', policy);
  const response = respond(headers);
  response.headers.set('Content-Security-Policy', policy);
  return withHeaders(response, securityHeaders({ api: false }));
}

function withHeaders(response: NextResponse, headers: Record<string, string>): NextResponse {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

function isDecodable(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

export const config = {
  // Not for static files Next.js serves itself (they get their headers from next.config.mjs).
  matcher: ['/((?!_next/static|_next/image|favicon.ico|icon.svg|apple-touch-icon.png|robots.txt).*)'],
};
