import { expectAccessible } from './fixtures/axe';
import { payLikeAPerson, scanWithPhone } from './fixtures/phone';
import { expectSuccessPage, openRechargePage, startRecharge } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

test('starting a new payment closes the old one at WeChat: its QR code can no longer be paid', async ({
  page,
  phone,
  sandbox,
}) => {
  await openRechargePage(page);
  const first = await test.step('a visitor asks to recharge ¥0.01', () =>
    startRecharge(page, { custom: '0.01' }));

  const { codeUrl: oldCodeUrl, screen: oldScreen } =
    await test.step('the payer scans it; the phone waits on the confirmation screen', () =>
      scanWithPhone(page, phone, '¥0.01'));

  const second =
    await test.step('the visitor changes their mind: back to the form, ¥0.02 this time', async () => {
      await page.getByRole('button', { name: '取消，返回修改金额' }).click();
      await expect(page.getByLabel('自定义金额（元）')).toHaveValue('0.01');
      return startRecharge(page, { custom: '0.02' });
    });
  expect(second.outTradeNo).not.toBe(first.outTradeNo);

  await test.step('WeChat reports the first order CLOSED', async () => {
    await expect.poll(() => sandbox.tradeState(first.outTradeNo)).toBe('CLOSED');
  });

  await test.step('pressing 支付 on the old confirmation screen is refused', async () => {
    await oldScreen.getByRole('button', { name: '支付', exact: true }).click();
    await expect(oldScreen.getByRole('heading', { name: '订单已关闭' })).toBeVisible();
    await expect(oldScreen.getByRole('alert')).toHaveText('订单已关闭，无法支付，请重新下单');
    await expect(oldScreen.getByRole('button', { name: '支付', exact: true })).toHaveCount(0);
    expect(await sandbox.tradeState(first.outTradeNo)).toBe('CLOSED');
  });

  await test.step('scanning the old QR code again shows the same refusal', async () => {
    const rescan = await phone.open(oldCodeUrl);
    await expect(rescan.getByRole('heading', { name: '订单已关闭' })).toBeVisible();
    await expect(rescan.getByRole('button', { name: '支付', exact: true })).toHaveCount(0);
  });

  await test.step('the new order is payable: scan, pay ¥0.02, success; only ¥0.02 credited', async () => {
    const { screen } = await payLikeAPerson(page, phone, { amount: '¥0.02' });
    await expect(screen.getByRole('heading', { name: '支付成功' })).toBeVisible();
    await expectSuccessPage(page, second, { balanceFen: 2, timeout: 10_000 });
  });

  await test.step('the old order’s page says it was closed because a new payment was started', async () => {
    await page.goto(first.resultPath);
    await expect(page.getByRole('heading', { level: 1, name: '支付未完成' })).toBeVisible();
    await expect(page.getByText('已发起新的支付，此订单已关闭')).toBeVisible();
    await expect(page.getByTestId('balance')).toHaveText('¥0.02');
    await expectAccessible(page, 'the closed-order page');
  });
});
