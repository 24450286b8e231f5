import { PAGE_TIMEOUT_MS } from '../playwright.config';
import { expectAccessible } from './fixtures/axe';
import { openRechargePage, startRecharge } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

test('nobody pays: the page moves on to the result page, which says the result is not confirmed yet', async ({
  page,
  sandbox,
}) => {
  await test.step('a visitor looks at their history, then opens the recharge page', async () => {
    await page.goto('/orders');
    await openRechargePage(page);
  });
  const order = await test.step('they ask to recharge ¥0.01 and the QR code appears', () =>
    startRecharge(page, { custom: '0.01' }));
  const shownAt = Date.now();

  const pending = page.getByTestId('pending-result');
  await test.step('nobody scans it; after the page timeout the page goes to the order’s result page', async () => {
    await expect(page).toHaveURL((url) => url.pathname === order.resultPath, {
      timeout: PAGE_TIMEOUT_MS + 5_000,
    });
    expect(Date.now() - shownAt, 'not before the page timeout').toBeGreaterThanOrEqual(
      PAGE_TIMEOUT_MS - 1_500,
    );
    await expect(page.getByTestId('payment-qr')).toHaveCount(0);
    await expect(pending.getByRole('heading', { level: 1, name: '支付结果尚未确认' })).toBeVisible();
    await expect(pending).toContainText('支付完成后金额仍会到账');
    await expect(pending.getByTestId('order-number')).toHaveText(order.outTradeNo);
    await expect(pending.getByRole('button', { name: '重新查询' })).toBeVisible();
    await expect(pending.getByRole('link', { name: '发起新的支付' })).toBeVisible();
    await expectAccessible(page, 'the not-confirmed result page');
  });

  await test.step('the order is still open at WeChat: a payment now would go through', async () => {
    expect(await sandbox.tradeState(order.outTradeNo)).toBe('NOTPAY');
  });

  await test.step('重新查询 finds nothing yet and says so', async () => {
    await pending.getByRole('button', { name: '重新查询' }).click();
    await expect(pending.getByRole('status')).toHaveText('暂未查询到支付结果，请稍后再试。');
  });

  await test.step('Back leaves the flow (the QR code is over), Forward and reload show the result page again', async () => {
    await page.goBack();
    await expect(page).toHaveURL((url) => url.pathname === '/orders');
    await page.goForward();
    await expect(page).toHaveURL((url) => url.pathname === order.resultPath);
    await expect(page.getByRole('heading', { level: 1, name: '支付结果尚未确认' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: '支付结果尚未确认' })).toBeVisible();
    await expect(page.getByTestId('payment-qr')).toHaveCount(0);
  });

  await test.step('发起新的支付 opens the amount form with the same amount', async () => {
    await page.getByRole('link', { name: '发起新的支付' }).click();
    await expect(page).toHaveURL((url) => url.pathname === '/' && url.searchParams.get('amount') === '0.01');
    await expect(page.getByLabel('自定义金额（元）')).toHaveValue('0.01');
    await expect(page.getByRole('button', { name: '确认支付' })).toBeEnabled();
  });
});
