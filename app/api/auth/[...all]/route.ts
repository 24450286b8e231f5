// /api/auth/* – Better Auth: WeChat sign-in (sign-in/social, callback/wechat), session, sign-out.
import { getAuth } from '@/lib/auth/auth';
import { withApiHeaders } from '@/lib/http/api-headers';
import { withClientAddressHeader } from '@/lib/http/client-address';
import { AUTH_BODY_LIMIT_BYTES, readBodyWithLimit } from '@/lib/http/read-body';
import { withApiHandler } from '@/lib/http/with-api-handler';
import { withRequestId } from '@/lib/log';

export const dynamic = 'force-dynamic';

// Better Auth's answers may have immutable headers (redirects): copied into a new Response.
async function handle(request: Request): Promise<Response> {
  const answer = await getAuth().handler(withClientAddressHeader(request));
  return withApiHeaders(new Response(answer.body, { status: answer.status, headers: answer.headers }));
}

export const GET = (request: Request) => withRequestId(request, () => handle(request));

// Better Auth reads a request body whole (request.json(), text(), formData()) before looking at it,
// however large: a 1 GiB upload would be held in memory. The body is read here first, with a cap (413
// beyond it, without reading on), and handed on as a new Request.
export const POST = withApiHandler(async (request) => {
  const body = await readBodyWithLimit(request, AUTH_BODY_LIMIT_BYTES);
  const headers = new Headers(request.headers);
  // They described the upload as it came; the new Request frames its buffered body itself.
  headers.delete('content-length');
  headers.delete('transfer-encoding');
  return handle(
    new Request(request.url, { method: 'POST', headers, body: new Uint8Array(body), signal: request.signal }),
  );
});
