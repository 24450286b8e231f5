import { connect } from 'node:net';
import { APP_URL } from '../playwright.config';
import { expect, test } from './fixtures/test';

// Malformed paths and ids, on every page and every API route, get a 404 or a 400 (a page, or the
// route's JSON), never a 500: undecodable percent-encoding, NUL bytes, overlong ids, raw bytes an HTTP
// request line may not carry. Path decoding happens in Next.js's router (patches/next+16.4.6.patch
// turns its DecodeError into "no match"), so this runs against the built server.

const LONG = 'a'.repeat(5000);
/** Segments, put where an id or a further path segment goes. */
const MALFORMED_SEGMENTS = [
  '%ff',
  '%00%ff',
  '%00',
  'a%00b',
  '%E4%B8', // a truncated UTF-8 sequence
  '%C0%AF', // an overlong encoding of "/"
  '%',
  '%zz',
  '%2F..%2F..%2Fetc',
  LONG,
];

const ORDER_ID = '00000000-0000-4000-8000-000000000000';

type Method = 'GET' | 'POST';

/**
 * Every page and route (app/), the places a malformed segment can go, and the methods it answers
 * (pages render for a POST as for a GET). Another method may also get a 405. Better Auth answers a
 * POST without a JSON body 415, and sends a callback it can't match to a sign-in back to the sign-in
 * page with the reason (302 to /sign-in?error=…).
 */
const ROUTES: { name: string; paths: (segment: string) => string[]; methods: Method[]; also?: number[] }[] = [
  { name: 'the recharge page /', paths: (s) => [`/${s}`], methods: ['GET', 'POST'] },
  {
    name: 'the payment page /recharge/[orderId]',
    paths: (s) => [`/recharge/${s}`, `/recharge/${ORDER_ID}/${s}`],
    methods: ['GET', 'POST'],
  },
  { name: 'the history page /orders', paths: (s) => [`/orders/${s}`], methods: ['GET', 'POST'] },
  { name: 'the sign-in page /sign-in', paths: (s) => [`/sign-in/${s}`], methods: ['GET', 'POST'] },
  { name: 'GET /sign-in/finish', paths: (s) => [`/sign-in/finish/${s}`], methods: ['GET'] },
  { name: 'GET /api/live', paths: (s) => [`/api/live/${s}`], methods: ['GET'] },
  { name: 'GET /api/health', paths: (s) => [`/api/health/${s}`], methods: ['GET'] },
  { name: 'POST /api/orders', paths: (s) => [`/api/orders/${s}`], methods: ['POST'] },
  {
    name: 'GET /api/orders/[orderId]/status',
    paths: (s) => [`/api/orders/${s}/status`, `/api/orders/${ORDER_ID}/status/${s}`],
    methods: ['GET'],
  },
  {
    name: 'POST /api/wechat-pay/notify',
    paths: (s) => [`/api/wechat-pay/notify/${s}`, `/api/wechat-pay/${s}`],
    methods: ['POST'],
  },
  {
    name: 'Better Auth /api/auth/[...all]',
    paths: (s) => [
      `/api/auth/${s}`,
      `/api/auth/sign-in/${s}`,
      `/api/auth/callback/${s}`,
      `/api/auth/get-session/${s}`,
    ],
    methods: ['GET', 'POST'],
    also: [302, 415],
  },
];

/** Query strings the pages and routes read (next, cursor) and ones they don't, malformed. */
const MALFORMED_QUERIES = [
  '?next=%ff%00',
  '?next=%',
  `?next=${LONG}`,
  '?cursor=%ff',
  '?cursor=%00',
  `?cursor=${LONG}`,
  '?%ff=%E4%B8',
];
const QUERIED_PATHS = [
  '/',
  '/orders',
  '/sign-in',
  `/recharge/${ORDER_ID}`,
  '/sign-in/finish',
  '/api/live',
  '/api/health',
  `/api/orders/${ORDER_ID}/status`,
  '/api/auth/get-session',
];

for (const { name, paths, methods, also = [] } of ROUTES) {
  test(`${name}: malformed paths and ids get 404 or 400, never a 500`, async ({ page, request }) => {
    for (const segment of MALFORMED_SEGMENTS) {
      for (const path of paths(segment)) {
        for (const method of ['GET', 'POST'] as const) {
          const label = `${method} ${path.slice(0, 80)}`;
          const allowed = [400, 404, ...also, ...(methods.includes(method) ? [] : [405])];
          // Signed in (the page's cookies): past every sign-in redirect, to the id and path checks.
          const signedIn = await page.request.fetch(path, { method, maxRedirects: 0 });
          expect(allowed, label).toContain(signedIn.status());
          if (signedIn.status() === 302) {
            expect(signedIn.headers().location, label).toMatch(/^http:\/\/[^/]+\/sign-in\?error=/);
          }
          // Signed out: a redirect to sign-in or a 401 is also an answer, a 5xx never.
          const signedOut = await request.fetch(path, { method, maxRedirects: 0 });
          expect([303, 307, 401, ...allowed], `${label} (signed out)`).toContain(signedOut.status());
        }
      }
    }
  });
}

test('malformed query strings never get a 500, signed in or not', async ({ page, request }) => {
  for (const path of QUERIED_PATHS) {
    for (const query of MALFORMED_QUERIES) {
      const url = `${path}${query}`;
      for (const client of [page.request, request]) {
        const response = await client.get(url, { maxRedirects: 0 });
        expect(response.status(), url.slice(0, 80)).toBeLessThan(500);
      }
    }
  }
});

test('a malformed id shows the not-found page', async ({ page }) => {
  for (const path of ['/recharge/%00%ff', `/recharge/${LONG}`, '/recharge/a%00b', '/orders/%ff']) {
    const shown = await page.goto(path);
    expect(shown?.status(), path.slice(0, 80)).toBe(404);
    await expect(page.getByRole('heading', { name: '页面不存在' })).toBeVisible();
  }
});

test('the status route answers a malformed order id with its JSON 404', async ({ page }) => {
  for (const id of ['%00', 'a%00b', LONG, '%2F..%2F..%2Fetc', '%ef%bf%bd']) {
    const response = await page.request.get(`/api/orders/${id}/status`);
    expect(response.status(), id.slice(0, 40)).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  }
});

/** Sends a request line byte for byte (no client library would send these) and reads the status line. */
function rawStatusLine(method: string, target: Buffer): Promise<string> {
  const { hostname, port } = new URL(APP_URL);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        Buffer.concat([
          Buffer.from(`${method} `),
          target,
          Buffer.from(` HTTP/1.1\r\nHost: ${hostname}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`),
        ]),
      );
    });
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

test('raw NUL, non-ASCII and space bytes in the request line get a 400', async () => {
  const targets = [
    Buffer.from('/recharge/\0'),
    Buffer.concat([Buffer.from('/recharge/'), Buffer.from([0xff])]),
    Buffer.from('/api/orders/\0/status'),
    Buffer.concat([Buffer.from('/api/orders/'), Buffer.from([0xff]), Buffer.from('/status')]),
    Buffer.from('/api/auth/\0'),
    Buffer.from('/api/wechat-pay/notify\0'),
    Buffer.from('/orders?cursor=\0'),
    Buffer.from('/recharge/a b'),
  ];
  for (const target of targets) {
    for (const method of ['GET', 'POST']) {
      expect(
        await rawStatusLine(method, target),
        `${method} ${JSON.stringify(target.toString('latin1'))}`,
      ).toMatch(/^HTTP\/1\.1 400 /);
    }
  }
});
