// /api/auth/* – Better Auth: WeChat sign-in (sign-in/social, callback/wechat), session, sign-out.
import { getAuth } from '@/lib/auth/auth';
import { withApiHeaders } from '@/lib/http/api-headers';
import { withClientAddressHeader } from '@/lib/http/client-address';

export const dynamic = 'force-dynamic';

// Better Auth's answers may have immutable headers (redirects): copied into a new Response.
async function handle(request: Request): Promise<Response> {
  const answer = await getAuth().handler(withClientAddressHeader(request));
  return withApiHeaders(new Response(answer.body, { status: answer.status, headers: answer.headers }));
}

export const GET = handle;
export const POST = handle;
