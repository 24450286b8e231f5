import type { Locator, Page } from '@playwright/test';
import { expectAccessible } from './fixtures/axe';
import { payLikeAPerson } from './fixtures/phone';
import { expectSuccessPage, openRechargePage, yuan } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

// A person who uses only the keyboard: Tab to move, Space/Enter to act, typing to enter text. No
// clicks on the page (the phone is another device). Each screen on the way is checked with axe.

/** Presses Tab until `target` has the focus (at most 30 times): what a keyboard user does. */
async function tabTo(page: Page, target: Locator, name: string): Promise<void> {
  for (let presses = 0; presses < 30; presses++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${name}`);
}

test('a keyboard alone picks an amount, pays, and goes on recharging', async ({ page, phone }) => {
  await openRechargePage(page);

  await test.step('Tab reaches the ¥10 preset and Space picks it; the amount field shows 10', async () => {
    const preset = page.getByRole('button', { name: '¥10', exact: true });
    await tabTo(page, preset, 'the ¥10 preset');
    await page.keyboard.press('Space');
    await expect(preset).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByLabel('自定义金额（元）')).toHaveValue('10');
  });

  await test.step('in the amount field, a wrong amount is refused with a message read out with the field', async () => {
    const field = page.getByLabel('自定义金额（元）');
    await tabTo(page, field, 'the amount field');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('0.001');
    await page.keyboard.press('Enter');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toBeFocused();
    await expect(page.getByText('请输入正确的金额，最多保留两位小数')).toBeVisible();
    await expectAccessible(page, 'the form with an error');
  });

  const created = await test.step('typing ¥0.01 and pressing Enter shows the QR code', async () => {
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('0.01');
    const answer = page.waitForResponse(
      (response) =>
        new URL(response.url()).pathname === '/api/orders' && response.request().method() === 'POST',
    );
    await page.keyboard.press('Enter');
    const order = (await (await answer).json()) as {
      orderId: string;
      outTradeNo: string;
      amountFen: number;
    };
    await expect(page.getByTestId('payment-qr')).toBeVisible();
    return order;
  });

  await test.step('paid on the phone, the page moves on to the success page by itself', async () => {
    await payLikeAPerson(page, phone, { amount: '¥0.01' });
    await expectSuccessPage(
      page,
      { ...created, expiresAt: '', resultPath: `/recharge/${created.orderId}` },
      { balanceFen: 1, timeout: 10_000 },
    );
  });

  await test.step('Tab to 继续充值 and Enter: back on the recharge page with the new balance', async () => {
    await tabTo(page, page.getByRole('link', { name: '继续充值' }), '继续充值');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('账户充值');
    await expect(page.getByTestId('balance')).toHaveText(yuan(1));
  });
});
