import { PAGE_TIMEOUT_MS } from '../playwright.config';
import { confirmOnPhone, scanWithPhone } from './fixtures/phone';
import {
  expectSuccessPage,
  openRechargePage,
  readBalanceFen,
  startRecharge,
  yuan,
} from './fixtures/recharge';
import { expect, test } from './fixtures/test';

test('the page gives up waiting, then the person pays: 重新查询 shows the money was credited', async ({
  page,
  phone,
  sandbox,
}) => {
  await openRechargePage(page);
  const balanceBefore = await readBalanceFen(page);
  const order = await test.step('a visitor asks to recharge ¥0.01', () =>
    startRecharge(page, { custom: '0.01' }));

  const { screen } =
    await test.step('they scan the QR code but leave the phone on the confirmation screen', () =>
      scanWithPhone(page, phone, '¥0.01'));

  await test.step('the recharge page times out first', async () => {
    await expect(page.getByTestId('timeout-view')).toBeVisible({ timeout: PAGE_TIMEOUT_MS + 5_000 });
    await expect(page.getByTestId('timeout-view')).toContainText('支付完成后金额仍会到账');
  });

  await test.step('only now do they press 支付: the QR code is still valid (10 minutes), so it goes through', async () => {
    await confirmOnPhone(screen, 'pay');
    expect(await sandbox.tradeState(order.outTradeNo)).toBe('SUCCESS');
  });

  await test.step('重新查询 finds the payment and shows the success page with the new balance', async () => {
    // Let WeChat's notification land first: pressing before it would (rightly) say "not yet".
    await expect
      .poll(async () => (await sandbox.notifications(order.outTradeNo)).map((entry) => entry.outcome))
      .toContain('acknowledged');
    await page.getByRole('button', { name: '重新查询' }).click();
    await expectSuccessPage(page, order, { balanceFen: balanceBefore + 1, timeout: 5_000 });
  });

  await test.step('the home page shows the increased balance', async () => {
    await openRechargePage(page);
    await expect(page.getByTestId('balance')).toHaveText(yuan(balanceBefore + 1));
  });
});
