// Signs a sandbox test user in to the app over HTTP, the way a browser would but without the QR
// code: start a WeChat sign-in (POST /api/auth/sign-in/social), have the sandbox issue a login code
// for that user (its control API stands in for the scan and 确认登录), and follow WeChat's redirect
// back to the app (GET /api/auth/callback/wechat?code&state). Answers the cookies of the session.
// For the bench, Playwright fixtures and integration tests; the app never uses it.

export interface SandboxSignIn {
  /** `name=value; name=value`: every cookie the app set, ready for a Cookie header. */
  cookieHeader: string;
  cookies: { name: string; value: string }[];
  /** Where the app sent the browser after the callback (the finish step). */
  location: string;
}

/** `Set-Cookie` headers → name/value pairs, later ones replacing earlier ones; deletions dropped. */
export function collectCookies(jar: Map<string, string>, response: Response): void {
  for (const header of response.headers.getSetCookie()) {
    const [pair = '', ...attributes] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
    if (expired) jar.delete(name);
    else jar.set(name, value);
  }
}

export function cookieHeaderOf(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

export async function signInViaSandbox(options: {
  appUrl: string;
  sandboxUrl: string;
  /** A sandbox test user's key (see the sandbox's GET /sandbox/login-users). */
  user: string;
  /** Cookies the browser already holds (an anonymous-era account cookie, say). */
  cookies?: { name: string; value: string }[];
  /** Where to go after signing in. */
  next?: string;
}): Promise<SandboxSignIn> {
  const { appUrl, sandboxUrl, user } = options;
  const jar = new Map<string, string>((options.cookies ?? []).map((c) => [c.name, c.value]));
  const callbackURL = `/sign-in/finish?next=${encodeURIComponent(options.next ?? '/')}`;
  const start = await fetch(`${appUrl}/api/auth/sign-in/social`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: appUrl, cookie: cookieHeaderOf(jar) },
    body: JSON.stringify({ provider: 'wechat', callbackURL, disableRedirect: true }),
  });
  const started = (await start.json().catch(() => null)) as { url?: string } | null;
  if (start.status !== 200 || !started?.url) {
    throw new Error(`POST /api/auth/sign-in/social: ${start.status} ${JSON.stringify(started)}`);
  }
  collectCookies(jar, start);
  const authorization = new URL(started.url);
  const state = authorization.searchParams.get('state');
  const appid = authorization.searchParams.get('appid');
  if (!state || !appid) throw new Error(`no state or appid in ${started.url}`);

  const minted = await fetch(`${sandboxUrl}/sandbox/oauth/code`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appid, user }),
  });
  const code = ((await minted.json().catch(() => null)) as { code?: string } | null)?.code;
  if (minted.status !== 200 || !code) throw new Error(`sandbox /sandbox/oauth/code: ${minted.status}`);

  const callback = await fetch(
    `${appUrl}/api/auth/callback/wechat?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`,
    { headers: { cookie: cookieHeaderOf(jar) }, redirect: 'manual' },
  );
  const location = callback.headers.get('location') ?? '';
  collectCookies(jar, callback);
  if (callback.status !== 302 || location.includes('error=')) {
    throw new Error(`GET /api/auth/callback/wechat: ${callback.status} → ${location}`);
  }
  return {
    cookieHeader: cookieHeaderOf(jar),
    cookies: [...jar].map(([name, value]) => ({ name, value })),
    location,
  };
}
