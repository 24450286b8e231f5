// POST /api/auth/* (app/api/auth/[...all]/route.ts): Better Auth reads a request body whole, however
// large, so the route reads it first with an 8 KiB cap and hands Better Auth a copy. Against the real
// route handler, Better Auth as configured, and the sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthHarness, startAuthHarness } from '../../support/auth-harness';

const { POST } = await import('@/app/api/auth/[...all]/route');

let harness: AuthHarness;
beforeAll(async () => {
  harness = await startAuthHarness();
});
afterAll(() => harness.close());

const START_SIGN_IN = JSON.stringify({
  provider: 'wechat',
  callbackURL: '/sign-in/finish?next=%2F',
  disableRedirect: true,
});

function post(headers: Record<string, string>, body: BodyInit) {
  const request = new Request(`${harness.appUrl}/api/auth/sign-in/social`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: harness.appUrl, ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
  return POST(request as never, undefined);
}

describe('POST /api/auth/* body cap', () => {
  it('hands a body under the cap on to Better Auth, which starts the sign-in', async () => {
    const response = await post({}, START_SIGN_IN);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { url: string }).url).toContain(harness.sandbox.url);
  });

  it('refuses a declared length over 8 KiB with 413 before reading the body', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += START_SIGN_IN.length;
          controller.enqueue(new TextEncoder().encode(START_SIGN_IN));
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const response = await post({ 'content-length': String(1024 ** 3) }, body);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    // At most the one read the route starts to keep Node from reading the rest (read-body.ts).
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pulled).toBeLessThanOrEqual(START_SIGN_IN.length);
  });

  it('stops reading a body without a declared length once it passes 8 KiB', async () => {
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1024;
        controller.enqueue(new Uint8Array(1024).fill(32));
        if (sent > 10 * 1024 * 1024) controller.close();
      },
    });
    const response = await post({}, endless);
    expect(response.status).toBe(413);
    expect(sent).toBeLessThan(64 * 1024);
  });
});
