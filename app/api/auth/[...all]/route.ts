// /api/auth/* – Better Auth: WeChat sign-in (sign-in/social, callback/wechat), session, sign-out.
import { getAuth } from '@/lib/auth/auth';

export const dynamic = 'force-dynamic';

export const GET = (request: Request) => getAuth().handler(request);
export const POST = (request: Request) => getAuth().handler(request);
