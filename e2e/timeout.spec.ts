import { PAGE_TIMEOUT_MS } from '../playwright.config';
import { openRechargePage, startRecharge } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

test('nobody pays: the page stops waiting, explains a later payment still counts, and can start over', async ({
  page,
  sandbox,
}) => {
  await openRechargePage(page);
  const order = await test.step('a visitor asks to recharge ¥0.01 and the QR code appears', () =>
    startRecharge(page, { custom: '0.01' }));
  const shownAt = Date.now();

  await test.step('nobody scans it; after the page timeout the QR code gives way to the timeout view', async () => {
    const timeoutView = page.getByTestId('timeout-view');
    await expect(timeoutView).toBeVisible({ timeout: PAGE_TIMEOUT_MS + 5_000 });
    expect(Date.now() - shownAt, 'not before the page timeout').toBeGreaterThanOrEqual(
      PAGE_TIMEOUT_MS - 1_500,
    );
    await expect(page.getByTestId('payment-qr')).toHaveCount(0);

    await expect(timeoutView.getByRole('heading', { name: '支付结果尚未确认' })).toBeVisible();
    await expect(timeoutView).toContainText('支付完成后金额仍会到账');
    await expect(timeoutView.getByTestId('order-number')).toHaveText(order.outTradeNo);
    await expect(timeoutView.getByRole('button', { name: '重新查询' })).toBeVisible();
    await expect(timeoutView.getByRole('button', { name: '发起新的支付' })).toBeVisible();
  });

  await test.step('the order is still open at WeChat: a payment now would go through', async () => {
    expect(await sandbox.tradeState(order.outTradeNo)).toBe('NOTPAY');
  });

  await test.step('重新查询 finds nothing yet and says so', async () => {
    await page.getByRole('button', { name: '重新查询' }).click();
    await expect(page.getByTestId('timeout-view').getByRole('status')).toHaveText(
      '暂未查询到支付结果，请稍后再试。',
    );
    await expect(page.getByTestId('timeout-view')).toBeVisible();
  });

  await test.step('发起新的支付 returns to the amount form, amount kept', async () => {
    await page.getByRole('button', { name: '发起新的支付' }).click();
    await expect(page.getByTestId('timeout-view')).toHaveCount(0);
    await expect(page.getByLabel('自定义金额（元）')).toHaveValue('0.01');
    await expect(page.getByRole('button', { name: '确认支付' })).toBeEnabled();
  });
});
