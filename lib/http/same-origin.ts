import 'server-only';
import { getEnv } from '../env';
import { AppError } from './app-error';

// Every state-changing route of ours (not WeChat's notification, which is server to server and
// verified by signature) accepts only JSON, and only from our own pages. A browser can send a
// cross-site form post (text/plain, urlencoded, multipart) with the person's cookies and no
// preflight; it can't send Content-Type: application/json cross-site without a CORS preflight we
// never grant, and it always says where a request comes from (Origin, Sec-Fetch-Site). Clients that
// aren't browsers send neither header and carry no one's cookies: they pass this check and still
// need a session.

/** Throws 415 unless the body is declared JSON, 403 when a browser says the request is cross-site. */
export function assertSameOriginJson(request: Request): void {
  const mediaType = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new AppError('unsupported_media_type', '请求格式不受支持（需要 application/json）');
  }
  assertSameOrigin(request);
}

function assertSameOrigin(request: Request): void {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin') throw crossSite();
  const origin = request.headers.get('origin');
  if (origin !== null && origin !== new URL(getEnv().APP_BASE_URL).origin) throw crossSite();
}

function crossSite(): AppError {
  return new AppError('forbidden', '拒绝来自其他网站的请求');
}
