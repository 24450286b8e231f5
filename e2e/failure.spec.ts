import { PAGE_TIMEOUT_MS } from '../playwright.config';
import { expectAccessible } from './fixtures/axe';
import { payLikeAPerson } from './fixtures/phone';
import { openRechargePage, startRecharge, yuan } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

test('the payment fails on the phone: the page says so, gives the reason and offers to try again', async ({
  page,
  phone,
  sandbox,
}) => {
  await openRechargePage(page);
  const order = await test.step('a visitor asks to recharge ¥0.01', () =>
    startRecharge(page, { custom: '0.01' }));

  await test.step('they scan the QR code, but the payment fails on the phone', async () => {
    await payLikeAPerson(page, phone, { amount: '¥0.01', action: 'fail' });
    expect(await sandbox.tradeState(order.outTradeNo)).toBe('PAYERROR');
  });

  await test.step('WeChat sends no notification for a failure', async () => {
    expect(await sandbox.notifications(order.outTradeNo)).toEqual([]);
  });

  await test.step('the app learns it by asking WeChat itself (after 5 s) and moves to the failure page', async () => {
    // Must happen while the page is still waiting, i.e. before its own timeout.
    await expect(page).toHaveURL((url) => url.pathname === order.resultPath, { timeout: PAGE_TIMEOUT_MS });
    await expect(page.getByRole('heading', { level: 1, name: '支付失败' })).toBeVisible();
    await expect(page.getByText('支付失败，请重新支付')).toBeVisible();
    await expect(page.getByText(order.outTradeNo)).toBeVisible();
    await expect(page.getByTestId('credited-amount')).toHaveCount(0);
    await expect(page.getByTestId('balance')).toHaveText(yuan(0));
    await expectAccessible(page, 'the failure page');
  });

  await test.step('重新支付 takes them back to the amount form to try again', async () => {
    await page.getByRole('link', { name: '重新支付' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('账户充值');
    await expect(page.getByLabel('自定义金额（元）')).toBeVisible();
    await expect(page.getByRole('button', { name: '确认支付' })).toBeEnabled();
    await expect(page.getByTestId('balance')).toHaveText(yuan(0));
  });
});
