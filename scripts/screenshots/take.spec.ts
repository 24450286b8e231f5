import { resolve } from 'node:path';
import { type Page, test } from '@playwright/test';
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

    await page.goto('/orders');
    await shoot(page, name, 'history');
    await context.close();
  });
}
