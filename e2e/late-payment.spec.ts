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

test('the page gives up waiting, then the person pays: the result page moves on by itself', async ({
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

  await test.step('the recharge page times out first: the result page says it is not confirmed yet', async () => {
    const pending = page.getByTestId('pending-result');
    await expect(pending).toBeVisible({ timeout: PAGE_TIMEOUT_MS + 5_000 });
    await expect(pending).toContainText('支付完成后金额仍会到账');
  });

  await test.step('only now do they press 支付: the QR code is still valid (10 minutes), so it goes through', async () => {
    await confirmOnPhone(screen, 'pay');
    expect(await sandbox.tradeState(order.outTradeNo)).toBe('SUCCESS');
  });

  await test.step('without any click, the result page turns into the success page with the new balance', async () => {
    await expectSuccessPage(page, order, { balanceFen: balanceBefore + 1, timeout: 10_000 });
    expect((await sandbox.notifications(order.outTradeNo)).map((entry) => entry.outcome)).toContain(
      'acknowledged',
    );
  });

  await test.step('the home page shows the increased balance', async () => {
    await openRechargePage(page);
    await expect(page.getByTestId('balance')).toHaveText(yuan(balanceBefore + 1));
  });
});
