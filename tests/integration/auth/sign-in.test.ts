// Sign-in with WeChat (lib/auth) against the sandbox over HTTP: the good path, and every bad input
// of the sign-in path leaving no session and no user behind.
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getAuth } from '@/lib/auth/auth';
import { verifySessionSnapshot } from '@/lib/auth/session-snapshot';
import { getDb } from '@/lib/db';
import { collectCookies, cookieHeaderOf, signInViaSandbox } from '../../../scripts/local/sandbox-sign-in';
import { type AuthHarness, startAuthHarness } from '../../support/auth-harness';

const TIMEOUT_MS = 800;
let harness: AuthHarness;
const db = getDb();

beforeAll(async () => {
  harness = await startAuthHarness({ timeoutMs: TIMEOUT_MS });
});
afterAll(async () => {
  await harness.close();
  await db.$disconnect();
});
beforeEach(async () => {
  await harness.control('POST', '/sandbox/faults/reset', {});
});

type Jar = Map<string, string>;

/** POST /api/auth/sign-in/social, as the sign-in page does: WeChat's QR page address and the state. */
async function startSignIn(jar: Jar = new Map()) {
  const response = await fetch(`${harness.appUrl}/api/auth/sign-in/social`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: harness.appUrl, cookie: cookieHeaderOf(jar) },
    body: JSON.stringify({
      provider: 'wechat',
      callbackURL: '/sign-in/finish?next=%2F',
      errorCallbackURL: '/sign-in',
      disableRedirect: true,
    }),
  });
  expect(response.status).toBe(200);
  collectCookies(jar, response);
  const url = new URL(((await response.json()) as { url: string }).url);
  return { jar, url, state: url.searchParams.get('state') ?? '' };
}

/** WeChat's redirect back to us, with these query parameters. */
async function callback(params: Record<string, string>, jar: Jar) {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`${harness.appUrl}/api/auth/callback/wechat?${query}`, {
    headers: { cookie: cookieHeaderOf(jar) },
    redirect: 'manual',
  });
  collectCookies(jar, response);
  return {
    status: response.status,
    location: new URL(response.headers.get('location') ?? '', harness.appUrl),
  };
}

async function mintCode(user = 'lin'): Promise<string> {
  return (
    await harness.control<{ code: string }>('POST', '/sandbox/oauth/code', { appid: harness.appid, user })
  ).code;
}

async function counts() {
  const [users, sessions, identities] = await Promise.all([
    db.user.count(),
    db.session.count(),
    db.authAccount.count(),
  ]);
  return { users, sessions, identities };
}

async function sessionOf(jar: Jar) {
  return getAuth().api.getSession({ headers: new Headers({ cookie: cookieHeaderOf(jar) }) });
}

/** A failed sign-in: back to our sign-in page with this error, no session cookie, nothing in the database. */
async function expectRefused(
  result: { status: number; location: URL },
  jar: Jar,
  before: object,
  error: string | RegExp,
) {
  expect(result.status).toBe(302);
  expect(result.location.pathname).toBe('/sign-in');
  expect(result.location.searchParams.get('error')).toMatch(error);
  expect([...jar.keys()].some((name) => name.includes('session_token'))).toBe(false);
  expect(await sessionOf(jar)).toBeNull();
  expect(await counts()).toEqual(before);
}

describe('signing in with WeChat', () => {
  it('points the browser at WeChat’s QR code page with the website application’s parameters', async () => {
    const { url, state } = await startSignIn();
    expect(`${url.origin}${url.pathname}`).toBe(`${harness.sandbox.url}/connect/qrconnect`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      appid: harness.appid,
      redirect_uri: `${harness.appUrl}/api/auth/callback/wechat`,
      response_type: 'code',
      scope: 'snsapi_login',
      state,
    });
    expect(url.hash).toBe('#wechat_redirect');
    // WeChat's own page accepts these parameters and shows a QR code.
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('login-qr');
  });

  it('creates the user once, as the WeChat user (unionid), with a session and their nickname and avatar', async () => {
    const users = await harness.control<
      { key: string; nickname: string; headimgurl: string; unionid: string }[]
    >('GET', '/sandbox/login-users');
    const zhou = users.find((u) => u.key === 'zhou');
    if (!zhou) throw new Error('sandbox has no user zhou');

    const first = await signInViaSandbox({
      appUrl: harness.appUrl,
      sandboxUrl: harness.sandbox.url,
      user: 'zhou',
    });
    expect(first.location).toBe('/sign-in/finish?next=%2F');
    const jar: Jar = new Map(first.cookies.map((c) => [c.name, c.value]));
    const session = await sessionOf(jar);
    expect(session?.user).toMatchObject({ name: zhou.nickname, image: zhou.headimgurl });
    const identity = await db.authAccount.findFirstOrThrow({ where: { userId: session?.user.id } });
    expect(identity).toMatchObject({ providerId: 'wechat', accountId: zhou.unionid });

    // Again, as from another browser: the same user, a second session.
    const before = await counts();
    const second = await signInViaSandbox({
      appUrl: harness.appUrl,
      sandboxUrl: harness.sandbox.url,
      user: 'zhou',
    });
    const again = await sessionOf(new Map(second.cookies.map((c) => [c.name, c.value])));
    expect(again?.user.id).toBe(session?.user.id);
    expect(await counts()).toEqual({ ...before, sessions: before.sessions + 1 });

    // Another WeChat user is another user.
    const lin = await signInViaSandbox({
      appUrl: harness.appUrl,
      sandboxUrl: harness.sandbox.url,
      user: 'lin',
    });
    const other = await sessionOf(new Map(lin.cookies.map((c) => [c.name, c.value])));
    expect(other?.user.id).toBeDefined();
    expect(other?.user.id).not.toBe(session?.user.id);
  });
});

describe('the session snapshot the polling route trusts', () => {
  it('names the signed-in user, only with its own token, unaltered and for five minutes', async () => {
    const { cookies } = await signInViaSandbox({
      appUrl: harness.appUrl,
      sandboxUrl: harness.sandbox.url,
      user: 'lin',
    });
    const jar = new Map(cookies.map((c) => [c.name, c.value]));
    const snapshot = jar.get('recharge.session_data');
    const token = jar.get('recharge.session_token')?.split('.')[0] ?? null;
    const secret = process.env.SESSION_SECRET ?? '';
    const session = await sessionOf(jar);
    expect(verifySessionSnapshot(snapshot, token, secret)).toEqual({
      id: session?.user.id,
      name: '林小满',
      image: session?.user.image,
    });
    expect(verifySessionSnapshot(snapshot, 'another-sessions-token', secret)).toBeNull();
    expect(verifySessionSnapshot(snapshot, token, 'another-secret-of-32-characters!!')).toBeNull();
    expect(verifySessionSnapshot(snapshot, token, secret, Date.now() + 5 * 60_000 + 1_000)).toBeNull();
    // Someone else's id written into it breaks the signature.
    const decoded = JSON.parse(Buffer.from(snapshot ?? '', 'base64url').toString('utf8'));
    decoded.session.user.id = '00000000-0000-4000-8000-000000000000';
    const forged = Buffer.from(JSON.stringify(decoded)).toString('base64url');
    expect(verifySessionSnapshot(forged, token, secret)).toBeNull();
    expect(verifySessionSnapshot('not-a-snapshot', token, secret)).toBeNull();
    expect(verifySessionSnapshot(undefined, token, secret)).toBeNull();
  });
});

describe('a bad sign-in leaves no session and no user', () => {
  it('refuses a state this browser did not start (forged or from another browser)', async () => {
    const { jar } = await startSignIn();
    const before = await counts();
    const result = await callback({ code: await mintCode(), state: 'forged-state-value' }, jar);
    await expectRefused(result, jar, before, /state/);
  });

  it('refuses a state started in another browser', async () => {
    const { state } = await startSignIn();
    const jar: Jar = new Map();
    const before = await counts();
    await expectRefused(await callback({ code: await mintCode(), state }, jar), jar, before, /state/);
  });

  it('refuses a callback without a state', async () => {
    const { jar } = await startSignIn();
    const before = await counts();
    await expectRefused(await callback({ code: await mintCode() }, jar), jar, before, 'state_not_found');
  });

  it('refuses a state used once already (a replayed callback)', async () => {
    const { jar, state } = await startSignIn();
    const first = await callback({ code: await mintCode(), state }, jar);
    expect(first.location.pathname).toBe('/sign-in/finish');
    const fresh: Jar = new Map([...jar].filter(([name]) => !name.includes('session')));
    const before = await counts();
    await expectRefused(
      await callback({ code: await mintCode(), state }, fresh),
      fresh,
      before,
      /state|restart/,
    );
  });

  it('refuses a code WeChat does not know (40029)', async () => {
    const { jar, state } = await startSignIn();
    const before = await counts();
    await expectRefused(
      await callback({ code: 'not-a-code-wechat-issued', state }, jar),
      jar,
      before,
      'invalid_code',
    );
  });

  it('refuses a code used before (40163), even by the same person', async () => {
    const code = await mintCode();
    const a = await startSignIn();
    expect((await callback({ code, state: a.state }, a.jar)).location.pathname).toBe('/sign-in/finish');
    const b = await startSignIn();
    const before = await counts();
    await expectRefused(await callback({ code, state: b.state }, b.jar), b.jar, before, 'invalid_code');
  });

  it('comes back without a code when the person taps 拒绝 on the phone', async () => {
    const { jar, state } = await startSignIn();
    const before = await counts();
    await expectRefused(await callback({ state }, jar), jar, before, 'no_code');
  });

  it('comes back with error=access_denied when the provider says so', async () => {
    const { jar, state } = await startSignIn();
    const before = await counts();
    await expectRefused(await callback({ error: 'access_denied', state }, jar), jar, before, 'access_denied');
  });

  it('refuses when WeChat’s token endpoint answers an error (-1 system busy)', async () => {
    await harness.control('POST', '/sandbox/faults/oauth', {
      endpoint: 'access_token',
      kind: 'errcode',
      errcode: -1,
    });
    const { jar, state } = await startSignIn();
    const before = await counts();
    await expectRefused(await callback({ code: await mintCode(), state }, jar), jar, before, 'invalid_code');
  });

  it('refuses when WeChat’s token endpoint answers too late', async () => {
    await harness.control('POST', '/sandbox/faults/oauth', {
      endpoint: 'access_token',
      kind: 'delay',
      delayMs: TIMEOUT_MS * 3,
    });
    const { jar, state } = await startSignIn();
    const before = await counts();
    await expectRefused(await callback({ code: await mintCode(), state }, jar), jar, before, 'invalid_code');
  });

  it('refuses when WeChat’s token endpoint answers something other than JSON', async () => {
    await harness.control('POST', '/sandbox/faults/oauth', { endpoint: 'access_token', kind: 'not-json' });
    const { jar, state } = await startSignIn();
    const before = await counts();
    await expectRefused(await callback({ code: await mintCode(), state }, jar), jar, before, 'invalid_code');
  });

  it('refuses a user-info answer about a different WeChat user than the token’s', async () => {
    await harness.control('POST', '/sandbox/faults/oauth', { endpoint: 'userinfo', kind: 'wrong-user' });
    const { jar, state } = await startSignIn();
    const before = await counts();
    await expectRefused(
      await callback({ code: await mintCode('lin'), state }, jar),
      jar,
      before,
      'unable_to_get_user_info',
    );
  });

  it('refuses when WeChat’s user-info endpoint answers an error', async () => {
    await harness.control('POST', '/sandbox/faults/oauth', {
      endpoint: 'userinfo',
      kind: 'errcode',
      errcode: 40001,
    });
    const { jar, state } = await startSignIn();
    const before = await counts();
    await expectRefused(
      await callback({ code: await mintCode(), state }, jar),
      jar,
      before,
      'unable_to_get_user_info',
    );
  });
});

describe('too many sign-ins from one address', () => {
  it('answers 429 once an address has started its allowance of sign-ins this minute', async () => {
    await harness.close();
    // Behind one proxy, so that the address can be one of this run's own (the count lives in Redis
    // for a minute, shared by every instance and every run).
    process.env.TRUSTED_PROXY_COUNT = '1';
    harness = await startAuthHarness({ timeoutMs: TIMEOUT_MS, signInsPerMinute: 3 });
    const address = `203.0.113.${randomInt(1, 255)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${harness.appUrl}/api/auth/sign-in/social`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: harness.appUrl,
          // What a client wrote, then what the proxy appended: only the latter counts.
          'x-forwarded-for': `198.51.100.${i}, ${address}`,
        },
        body: JSON.stringify({ provider: 'wechat', callbackURL: '/', disableRedirect: true }),
      });
      statuses.push(response.status);
    }
    delete process.env.TRUSTED_PROXY_COUNT;
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
