import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxContext } from './context';
import { SnsError, snsErrors } from './errors';
import { originOf, sendJson } from './http';
import { LOGIN_USERS, userByOpenid } from './login-users';
import type { OAuthFault, SnsEndpoint } from './oauth-faults';
import { checkToken, exchangeCode, profileOf, refreshToken, userinfo } from './sns-api';
import { sleep } from './time';

// /sns/… : count the call, apply any injected fault, run the handler and answer as WeChat does: HTTP 200
// and compact JSON whatever the outcome, errors as {errcode, errmsg} with a request id in errmsg.

type Run = (ctx: SandboxContext, query: URLSearchParams, origin: string) => Record<string, unknown>;

const ROUTES: Record<string, { endpoint: SnsEndpoint; run: Run }> = {
  '/sns/oauth2/access_token': { endpoint: 'access_token', run: exchangeCode },
  '/sns/oauth2/refresh_token': { endpoint: 'refresh_token', run: refreshToken },
  '/sns/userinfo': { endpoint: 'userinfo', run: userinfo },
  '/sns/auth': { endpoint: 'auth', run: checkToken },
};

/** `rid: 6114eeb9-0032c16a-61fbf7ce`, as WeChat appends to every errmsg. */
function withRid(errmsg: string): string {
  const hex = () => randomBytes(4).toString('hex');
  return `${errmsg}, rid: ${hex()}-${hex()}-${hex()}`;
}

function send(response: ServerResponse, status: number, contentType: string, text: string): void {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}

function sendWechatJson(response: ServerResponse, body: unknown): void {
  send(response, 200, 'application/json; encoding=utf-8', JSON.stringify(body));
}

function errorBody(error: SnsError) {
  return { errcode: error.errcode, errmsg: withRid(error.errmsg) };
}

/** The answer of a failing fault (errcode, http-error, not-json). */
function failure(fault: OAuthFault): (response: ServerResponse) => void {
  switch (fault.kind) {
    case 'errcode':
      return (r) =>
        sendWechatJson(r, { errcode: fault.errcode, errmsg: fault.errmsg ?? withRid('system error') });
    case 'http-error':
      return (r) =>
        send(r, fault.status, 'text/html', `<html><body><h1>${fault.status} Error</h1></body></html>`);
    default:
      return (r) => send(r, 200, 'text/html', '<html><body>系统繁忙，请稍后再试</body></html>');
  }
}

/** Someone else's profile for the same application: the openid gives it away. */
function anotherUsersProfile(ctx: SandboxContext, query: URLSearchParams, origin: string, profile: object) {
  const { appid } = ctx.logins.grantFor(query.get('access_token') ?? '');
  const asked = userByOpenid(appid, (profile as { openid: string }).openid);
  const other = LOGIN_USERS.find((u) => u !== asked);
  return other ? profileOf(ctx, appid, other, origin) : profile;
}

export async function handleSns(
  ctx: SandboxContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const route = ROUTES[url.pathname];
  if (!route) return sendJson(response, 404, { errcode: 404, errmsg: `no route ${url.pathname}` });
  ctx.loginCalls.increment(route.endpoint);
  const fault = ctx.oauthFaults.take(route.endpoint);
  const origin = originOf(request);
  const query = url.searchParams;
  const run = () => {
    if (request.method !== 'GET') throw snsErrors.requireGet();
    return route.run(ctx, query, origin);
  };
  let answer: (r: ServerResponse) => void;
  if (fault && (fault.kind === 'errcode' || fault.kind === 'http-error' || fault.kind === 'not-json')) {
    if (fault.afterProcessing) {
      try {
        run();
      } catch {
        // The caller sees only the injected failure, whatever the real outcome was.
      }
    }
    answer = failure(fault);
  } else {
    let body: unknown;
    try {
      body = run();
      if (fault?.kind === 'wrong-user') body = anotherUsersProfile(ctx, query, origin, body as object);
    } catch (error) {
      if (!(error instanceof SnsError)) throw error;
      body = errorBody(error);
    }
    answer = (r) => sendWechatJson(r, body);
  }
  ctx.logger.info(
    { method: request.method, path: url.pathname, endpoint: route.endpoint, fault: fault?.kind },
    'login api call',
  );
  if (fault && fault.delayMs > 0) await sleep(fault.delayMs);
  answer(response);
}
