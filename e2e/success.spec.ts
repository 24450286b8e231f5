import { expectAccessible } from './fixtures/axe';
import { payLikeAPerson } from './fixtures/phone';
import {
  expectSuccessPage,
  openRechargePage,
  readBalanceFen,
  startRecharge,
  yuan,
} from './fixtures/recharge';
import { expect, test } from './fixtures/test';

test('a visitor recharges ¥0.01 by scanning the QR code, and the page shows the money arrive', async ({
  page,
  phone,
  sandbox,
}) => {
  await test.step('a new visitor opens the recharge page: the balance is ¥0.00', async () => {
    await openRechargePage(page);
    expect(await readBalanceFen(page)).toBe(0);
    await expectAccessible(page, 'the recharge page');
  });

  const order = await test.step('they type ¥0.01 and confirm: a WeChat Pay QR code appears', async () => {
    const started = await startRecharge(page, { custom: '0.01' });
    await expectAccessible(page, 'the QR code');
    return started;
  });

  await test.step('they scan it with WeChat, see ¥0.01 and press 支付', async () => {
    await payLikeAPerson(page, phone, { amount: '¥0.01' });
  });

  await test.step('without any click, the page moves to the success page with the amount and new balance', async () => {
    await expectSuccessPage(page, order, { balanceFen: 1, timeout: 10_000 });
    await expectAccessible(page, 'the success page');
  });

  await test.step('WeChat notified the app and got its acknowledgement', async () => {
    expect(await sandbox.tradeState(order.outTradeNo)).toBe('SUCCESS');
    const log = await sandbox.notifications(order.outTradeNo);
    expect(log.map((entry) => entry.outcome)).toContain('acknowledged');
  });

  await test.step('back on the home page, the balance reads ¥0.01', async () => {
    await page.getByRole('link', { name: '继续充值' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('账户充值');
    await expect(page.getByTestId('balance')).toHaveText(yuan(1));
  });
});
