import { APP_URL } from '../playwright.config';
import { expect, test } from './fixtures/test';

// proxy.ts: every page under a nonce-based Content-Security-Policy, and security headers everywhere.
// (Paths that can't be decoded: malformed-paths.spec.ts.)

test('pages carry a nonce-based CSP and the security headers; scripts without the nonce are refused', async ({
  browser,
}) => {
  // Its own context: the violation this test provokes on purpose must not fail the CSP watch of the others.
  const context = await browser.newContext({ baseURL: APP_URL });
  const page = await context.newPage();
  const response = await page.goto('/sign-in');
  const headers = response?.headers() ?? {};
  const csp = headers['content-security-policy'] ?? '';
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  for (const directive of [
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ]) {
    expect(csp).toContain(directive);
  }
  expect(headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  });
  expect(headers['permissions-policy']).toContain('camera=()');
  // Over http (this test's app) no HSTS: it is sent when APP_BASE_URL is https.
  expect(headers['strict-transport-security']).toBeUndefined();

  // Two page loads, two nonces.
  const again = (await page.reload())?.headers()['content-security-policy'];
  expect(again).not.toBe(csp);

  // Injected markup with an inline handler (what an XSS would add) does not run, and the browser says why.
  const refused = page.waitForEvent('console', (m) => /Content Security Policy/.test(m.text()));
  await page.evaluate(() => {
    const holder = document.createElement('div');
    holder.innerHTML = '<img src="/missing.png" onerror="window.__injected = true">';
    document.body.append(holder);
  });
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected === true)).toBe(
    false,
  );
  expect((await refused).text()).toMatch(/script-src/);
  await context.close();
});

test('API answers are never sniffed or cached', async ({ page }) => {
  for (const path of ['/api/health', '/api/live', '/api/orders/not-a-uuid/status']) {
    const response = await page.request.get(path);
    expect(response.headers()['x-content-type-options'], path).toBe('nosniff');
    expect(response.headers()['cache-control'], path).toContain('no-store');
  }
});
