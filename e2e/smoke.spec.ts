import { expect, test } from '@playwright/test';

test('the home page loads and the health check reports every dependency up', async ({ page, request }) => {
  await page.goto('/');
  await expect(page).toHaveTitle(/微信支付/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('账户充值');

  const health = await request.get('/api/health');
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });
});
