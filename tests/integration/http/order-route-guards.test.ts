// POST /api/orders (app/api/orders/route.ts) refuses, before creating anything: requests a browser
// marks as cross-site, bodies not declared JSON, and bodies over the cap. Table-driven, against the
// real route handler, a real session (Better Auth, through the sandbox) and a real database.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getAuth } from '@/lib/auth/auth';
import { getDb } from '@/lib/db';
import { signInViaSandbox } from '../../../scripts/local/sandbox-sign-in';
import { type AuthHarness, startAuthHarness } from '../../support/auth-harness';

const session = { cookieHeader: '' };
vi.mock('next/headers', () => ({
  headers: async () => new Headers({ cookie: session.cookieHeader }),
  cookies: async () => ({ get: () => undefined, set: () => {}, delete: () => {} }),
}));

const { POST: createOrder } = await import('@/app/api/orders/route');

let harness: AuthHarness;
let userId: string;
const db = getDb();

beforeAll(async () => {
  harness = await startAuthHarness();
  const user = `test-${randomUUID().slice(0, 8)}`;
  session.cookieHeader = (
    await signInViaSandbox({ appUrl: harness.appUrl, sandboxUrl: harness.sandbox.url, user })
  ).cookieHeader;
  const current = await getAuth().api.getSession({ headers: new Headers({ cookie: session.cookieHeader }) });
  userId = current?.user.id ?? '';
});
afterAll(async () => {
  await harness.close();
  await db.$disconnect();
});

const ordersOfUser = () => db.paymentOrder.count({ where: { accountId: userId } });

function post(headers: Record<string, string>, body: BodyInit | null = '{"amountFen":1}') {
  // Route handlers receive a NextRequest; a Request with the same headers and body is what they read.
  const request = new Request(`${harness.appUrl}/api/orders`, {
    method: 'POST',
    headers,
    body,
    duplex: 'half',
  } as RequestInit);
  return createOrder(request as never, undefined as never);
}

describe('cross-site requests and content types', () => {
  const same = () => harness.appUrl;
  const cases: { name: string; headers: () => Record<string, string>; status: number }[] = [
    {
      name: 'a text/plain form post from another site',
      headers: () => ({
        'content-type': 'text/plain',
        origin: 'http://evil.example',
        'sec-fetch-site': 'cross-site',
      }),
      status: 415,
    },
    {
      name: 'an urlencoded form post',
      headers: () => ({ 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }),
      status: 415,
    },
    {
      name: 'a multipart form post',
      headers: () => ({ 'content-type': 'multipart/form-data; boundary=x', origin: 'http://evil.example' }),
      status: 415,
    },
    { name: 'no content type at all', headers: () => ({ origin: same() }), status: 415 },
    {
      name: 'JSON from another origin',
      headers: () => ({ 'content-type': 'application/json', origin: 'http://evil.example' }),
      status: 403,
    },
    {
      name: 'JSON a browser marks cross-site',
      headers: () => ({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }),
      status: 403,
    },
    {
      name: 'JSON a browser marks same-site but not same-origin',
      headers: () => ({ 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }),
      status: 403,
    },
    {
      name: 'JSON from a look-alike origin',
      headers: () => ({ 'content-type': 'application/json', origin: `${same()}.evil.example` }),
      status: 403,
    },
  ];

  it.each(cases)(
    'refuses $name ($status), creating nothing and setting no cookie',
    async ({ headers, status }) => {
      const before = await ordersOfUser();
      const response = await post(headers());
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({
        error: { code: status === 403 ? 'forbidden' : 'unsupported_media_type' },
      });
      expect(response.headers.get('set-cookie')).toBeNull();
      expect(await ordersOfUser()).toBe(before);
    },
  );

  it.each([
    {
      name: 'our own page (same origin, as browsers send it)',
      headers: () => ({
        'content-type': 'application/json; charset=utf-8',
        origin: same(),
        'sec-fetch-site': 'same-origin',
      }),
    },
    {
      name: 'a client that is not a browser (no Origin, no Sec-Fetch-Site)',
      headers: () => ({ 'content-type': 'application/json' }),
    },
  ])('lets through $name: it gets to the amount check', async ({ headers }) => {
    const response = await post(headers(), '{"amountFen":0}');
    expect(response.status).toBe(422);
  });
});

describe('body size caps', () => {
  const json = { 'content-type': 'application/json' };

  it('refuses a declared length over 4 KiB before reading the body', async () => {
    const before = await ordersOfUser();
    const response = await post({ ...json, 'content-length': String(1024 * 1024 * 1024) }, '{"amountFen":1}');
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(await ordersOfUser()).toBe(before);
  });

  it('stops reading a body without a declared length once it passes 4 KiB', async () => {
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1024;
        controller.enqueue(new Uint8Array(1024).fill(32));
        if (sent > 10 * 1024 * 1024) controller.close();
      },
    });
    const response = await post(json, endless);
    expect(response.status).toBe(413);
    // It read a little past the cap, not the 10 MiB on offer.
    expect(sent).toBeLessThan(64 * 1024);
  });

  it('reads a body up to the cap', async () => {
    const padded = `{"amountFen":0,"pad":"${' '.repeat(4 * 1024 - 30)}"}`;
    expect(Buffer.byteLength(padded)).toBeLessThanOrEqual(4 * 1024);
    expect((await post(json, padded)).status).toBe(422);
  });
});
