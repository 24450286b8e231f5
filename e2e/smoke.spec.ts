import { expect, test } from '@playwright/test';

test('the home page loads and the health check reports every dependency up', async ({ page, request }) => {
  await page.goto('/');
  await expect(page).toHaveTitle(/微信支付/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('账户充值');

  const health = await request.get('/api/health');
  expect(health.status()).toBe(200);
  // Dependencies only: `status` may say degraded for what the database holds (open payment
  // exceptions other tests left in a shared database), which /api/health reports under `attention`.
  const report = await health.json();
  expect(report).toMatchObject({ checks: { database: 'ok', redis: 'ok' }, down: [] });
  expect(report.reconciler).toMatchObject({ openExceptions: expect.any(Number) });
});

test('the page links its icons, and public/ serves them with robots.txt', async ({ page, request }) => {
  await page.goto('/');
  const hrefs = await page
    .locator('head link[rel="icon"], head link[rel="apple-touch-icon"]')
    .evaluateAll((links) => links.map((link) => `${link.getAttribute('rel')} ${link.getAttribute('href')}`));
  expect(hrefs).toEqual(
    expect.arrayContaining(['icon /favicon.ico', 'icon /icon.svg', 'apple-touch-icon /apple-touch-icon.png']),
  );

  for (const [path, type] of [
    ['/favicon.ico', 'image/x-icon'],
    ['/icon.svg', 'image/svg+xml'],
    ['/apple-touch-icon.png', 'image/png'],
    ['/robots.txt', 'text/plain'],
  ] as const) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    expect(response.headers()['content-type'], path).toContain(type);
  }
  expect(await (await request.get('/robots.txt')).text()).toContain('Disallow: /');
});
