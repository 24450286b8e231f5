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

test('an operator refunds part of a recharge; the payer sees it; a second refund over the rest is refused', async ({
  page,
  phone,
  operator,
  anonymousVisitor,
}) => {
  const order = await test.step('a payer recharges ¥10.00', async () => {
    await openRechargePage(page);
    const started = await startRecharge(page, { custom: '10' });
    await payLikeAPerson(page, phone, { amount: '¥10.00' });
    await expectSuccessPage(page, started, { balanceFen: 1000, timeout: 10_000 });
    return started;
  });

  const admin = await operator();
  await test.step('the operator finds the order in the admin by its number', async () => {
    await admin.goto('/admin');
    await expect(admin.getByRole('heading', { level: 1, name: '订单' })).toBeVisible();
    await admin.getByLabel('商户订单号、微信支付订单号或用户').fill(order.outTradeNo);
    await admin.getByRole('button', { name: '查找' }).click();
    await expect(admin.getByTestId('admin-order-row')).toHaveCount(1);
    await expectAccessible(admin, 'the admin: order search');
    await admin.getByRole('link', { name: order.outTradeNo }).click();
    await expect(admin.getByTestId('admin-order-status')).toHaveText('已支付');
    await expect(admin.getByLabel('退款金额（元）')).toHaveValue('10.00');
    await expectAccessible(admin, 'the admin: order detail');
  });

  await test.step('they refund ¥3.00 of it, with a reason; WeChat completes the refund', async () => {
    await admin.getByLabel('退款金额（元）').fill('3.00');
    await admin.getByLabel(/退款原因/).fill('用户申请部分退款');
    await admin.getByRole('button', { name: '确认退款' }).click();
    await expect(admin.getByRole('status').filter({ hasText: '退款 ¥3.00 已提交' })).toBeVisible();
    await expect(async () => {
      await admin.reload();
      await expect(admin.getByTestId('admin-refund-status')).toHaveText('已退款');
    }).toPass({ timeout: 15_000 });
    await expect(admin.getByTestId('admin-refunded')).toHaveText(yuan(300));
  });

  await test.step('the payer’s balance and history show the refund', async () => {
    await openRechargePage(page);
    expect(await readBalanceFen(page)).toBe(700);
    await page.goto('/orders');
    await expect(page.getByTestId('history-status').first()).toHaveText(`已退款 ${yuan(300)}`);
    await page.getByTestId('history-order').first().getByRole('link').click();
    await expect(page.getByTestId('refunded-amount')).toHaveText(yuan(300));
  });

  await test.step('a second refund over what is left (¥7.00) is refused, with the reason', async () => {
    await admin.getByLabel('退款金额（元）').fill('8.00');
    await admin.getByRole('button', { name: '确认退款' }).click();
    await expect(
      admin.getByRole('status').filter({ hasText: '退款金额超过可退金额：最多可退 ¥7.00' }),
    ).toBeVisible();
    await admin.reload();
    await expect(admin.getByTestId('admin-refund-row')).toHaveCount(1);
    await openRechargePage(page);
    expect(await readBalanceFen(page)).toBe(700);
  });

  await test.step('the operator reconciles today against the bill, and looks at the payment exceptions', async () => {
    await admin.getByRole('link', { name: '对账' }).click();
    await expect(admin.getByRole('heading', { level: 1, name: '对账' })).toBeVisible();
    await admin
      .getByLabel('账单日期（北京时间）')
      .fill(new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10));
    await admin.getByRole('button', { name: '立即对账' }).click();
    await expect(admin.getByRole('status').filter({ hasText: '对账完成' })).toBeVisible({ timeout: 20_000 });
    await admin.reload();
    await expect(admin.getByTestId('bill-day').first()).toContainText('已完成');
    await expectAccessible(admin, 'the console: bills');
    await admin.getByRole('link', { name: '支付异常' }).click();
    await expect(admin.getByRole('heading', { level: 1, name: '支付异常' })).toBeVisible();
    await expectAccessible(admin, 'the console: payment exceptions');
  });

  await test.step('the payer, and someone not signed in, get 404 on /admin', async () => {
    for (const visitor of [page, await anonymousVisitor()]) {
      const response = await visitor.goto('/admin');
      expect(response?.status()).toBe(404);
      const detail = await visitor.goto(`/admin/orders/${order.outTradeNo}`);
      expect(detail?.status()).toBe(404);
    }
  });
});
