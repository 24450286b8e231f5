import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http';
import { AVATAR_SIZES, avatarSvg, findLoginUser } from './login-users';

// GET /mmopen/<user key>/<size>: the test users' avatars (headimgurl), one SVG for every size WeChat offers.

export function handleAvatar(request: IncomingMessage, response: ServerResponse, url: URL): void {
  const [, , key = '', size = ''] = url.pathname.split('/');
  const user = findLoginUser(key);
  if (request.method !== 'GET' || !user || !(AVATAR_SIZES as readonly string[]).includes(size)) {
    sendJson(response, 404, { code: 'NOT_FOUND', message: `no avatar at ${url.pathname}` });
    return;
  }
  const svg = avatarSvg(user);
  response.writeHead(200, {
    'Content-Type': 'image/svg+xml; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(svg)),
    'Cache-Control': 'public, max-age=86400',
  });
  response.end(svg);
}
