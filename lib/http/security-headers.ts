import { getEnv } from '../env';

// The headers every answer carries (proxy.ts), and the Content-Security-Policy of pages.

const PERMISSIONS_POLICY = [
  'camera=()',
  'microphone=()',
  'geolocation=()',
  'payment=()',
  'usb=()',
  'browsing-topics=()',
  'interest-cohort=()',
].join(', ');

/** Where avatars come from: WeChat's image hosts, or the sign-in sandbox in development. */
function imageSources(): string[] {
  const sources = ["'self'", 'data:', 'https://thirdwx.qlogo.cn', 'https://wx.qlogo.cn'];
  const login = new URL(getEnv().WECHAT_LOGIN_API_BASE_URL);
  if (!login.hostname.endsWith('weixin.qq.com')) sources.push(login.origin);
  return sources;
}

export function contentSecurityPolicy(nonce: string): string {
  const development = getEnv().NODE_ENV === 'development';
  return [
    "default-src 'self'",
    // strict-dynamic: scripts our nonced scripts load (Next's chunks) run; nothing else does.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    // Style attributes in server-rendered markup (React's style props) need 'unsafe-inline'.
    "style-src 'self' 'unsafe-inline'",
    `img-src ${imageSources().join(' ')}`,
    "font-src 'self'",
    `connect-src 'self'${development ? ' ws:' : ''}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "form-action 'self'",
    ...(getEnv().APP_BASE_URL.startsWith('https:') ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** For pages (proxy.ts); the API's and static files' come from next.config.mjs. */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Content-Type-Options': 'nosniff',
    // Order ids are in our paths: never tell another site where someone came from.
    'Referrer-Policy': 'no-referrer',
    'Permissions-Policy': PERMISSIONS_POLICY,
    'X-Frame-Options': 'DENY',
  };
  if (getEnv().APP_BASE_URL.startsWith('https:')) {
    headers['Strict-Transport-Security'] = 'max-age=31536000; includeSubDomains';
  }
  return headers;
}
