import { openRechargePage } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

// The payment panel's code loads when an amount is confirmed. If that fails (a deploy replaced the
// code since the page loaded, a network drop), the order exists all the same: the page goes to the
// order's result page with a full load, instead of a blank page.
test('the payment panel’s code fails to load: the order’s result page takes over', async ({ page }) => {
  await openRechargePage(page);
  // From here on no script loads (the runtime retries a chunk that failed once, so one failure
  // isn't enough); the result page's server-rendered HTML says what it must without them.
  let failed = 0;
  await page.route('**/_next/static/chunks/**', async (route) => {
    failed++;
    await route.abort('failed');
  });
  await page.getByLabel('自定义金额（元）').fill('0.01');
  const created = page.waitForResponse(
    (response) =>
      new URL(response.url()).pathname === '/api/orders' && response.request().method() === 'POST',
  );
  await page.getByRole('button', { name: '确认支付' }).click();
  const { orderId } = (await (await created).json()) as { orderId: string };

  await expect(page).toHaveURL((url) => url.pathname === `/recharge/${orderId}`, { timeout: 10_000 });
  expect(failed).toBeGreaterThan(0);
  const pending = page.getByTestId('pending-result');
  await expect(pending.getByRole('heading', { level: 1, name: '支付结果尚未确认' })).toBeVisible();
  await expect(pending.getByRole('link', { name: '发起新的支付' })).toBeVisible();
});
