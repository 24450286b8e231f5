import { resolve } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { expectSuccessPage, openRechargePage, startRecharge } from '../../e2e/fixtures/recharge';
import { signInContext } from '../../e2e/fixtures/sign-in';
import { SANDBOX_URL } from '../../playwright.config';

// Regenerates docs/screenshots/*.png: the recharge page, the QR code, the success page and the history,
// at a phone viewport and a desktop one (run by `npm run screenshots`).

const OUT = resolve(import.meta.dirname, '../../docs/screenshots');

const VIEWPORTS = [
  {
    name: 'phone',
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  },
  {
    name: 'desktop',
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    isMobile: false,
    hasTouch: false,
  },
] as const;

function beijingToday(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
}

async function shoot(page: Page, device: string, screen: string): Promise<void> {
  // Nothing moving: the countdown and the caret would differ from one run to the next.
  await page.addStyleTag({
    content:
      '*, *::before, *::after { transition: none !important; animation: none !important; caret-color: transparent !important; }',
  });
  await page.screenshot({ path: resolve(OUT, `${device}-${screen}.png`), fullPage: true });
}

for (const { name, ...device } of VIEWPORTS) {
  test(`screenshots at the ${name} viewport`, async ({ browser, request }) => {
    const context = await browser.newContext({ ...device, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    await signInContext(context);
    const page = await context.newPage();
    await openRechargePage(page);
    await page.getByRole('button', { name: '¥50', exact: true }).click();
    await shoot(page, name, 'recharge');

    const order = await startRecharge(page, { preset: 50 });
    await shoot(page, name, 'qr');

    const paid = await request.post(`${SANDBOX_URL}/sandbox/pay`, {
      data: { out_trade_no: order.outTradeNo },
    });
    if (!paid.ok()) throw new Error(`the sandbox did not pay: ${paid.status()}`);
    await expectSuccessPage(page, order, { balanceFen: 5000, timeout: 15_000 });
    await shoot(page, name, 'success');

    if (name === 'desktop') {
      // The console: an operator refunds ¥20.00 of it, then reconciles today against the sandbox's bill.
      const admin = await browser.newContext({ ...device, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
      await signInContext(admin, 'test-operator');
      const operator = await admin.newPage();
      await operator.goto(`/admin/orders/${order.outTradeNo}`);
      await operator.getByLabel('退款金额（元）').fill('20.00');
      await operator.getByLabel(/退款原因/).fill('用户申请部分退款');
      await operator.getByRole('button', { name: '确认退款' }).click();
      await expect(operator.getByRole('status').filter({ hasText: '已提交' })).toBeVisible();
      await expect(async () => {
        await operator.reload();
        await expect(operator.getByTestId('admin-refund-status')).toHaveText('已退款');
      }).toPass({ timeout: 15_000 });
      await shoot(operator, name, 'admin-order');
      await operator.goto('/admin/bills');
      await operator.getByLabel('账单日期（北京时间）').fill(beijingToday());
      await operator.getByRole('button', { name: '立即对账' }).click();
      await expect(operator.getByRole('status').filter({ hasText: '对账完成' })).toBeVisible({
        timeout: 15_000,
      });
      await operator.reload();
      await shoot(operator, name, 'admin-bills');
      await admin.close();
    }

    await page.goto('/orders');
    await shoot(page, name, 'history');
    await context.close();
  });
}
