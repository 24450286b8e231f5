import { formatChinaClock } from '../lib/china-time';
import { payLikeAPerson } from './fixtures/phone';
import { expectSuccessPage, openRechargePage, startRecharge } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

// A payer whose browser is in New York (UTC−5 in December) reads every time in Beijing time, labelled
// so: the QR code's expiry, the result page, the history, as WeChat's receipts and support have them.
test.use({ timezoneId: 'America/New_York' });

/** "2026/12/02 16:20:05" read as Beijing time. */
function fromBeijing(text: string): number {
  const match = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) throw new Error(`not a Beijing date-time: ${text}`);
  const [, y, mo, d, h, mi, s] = match;
  return Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}+08:00`);
}

test('times are Beijing time, labelled, whatever the browser’s time zone', async ({ page, phone }) => {
  await openRechargePage(page);
  expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(
    'America/New_York',
  );
  const order = await startRecharge(page, { custom: '0.01' });

  await test.step('the QR code’s expiry', async () => {
    const row = page.getByRole('term').filter({ hasText: '二维码有效期至（北京时间）' }).locator('+ dd');
    await expect(row).toHaveText(formatChinaClock(new Date(order.expiresAt)));
  });

  await test.step('the payment time on the result page', async () => {
    await payLikeAPerson(page, phone, { amount: '¥0.01' });
    await expectSuccessPage(page, order, { balanceFen: 1, timeout: 10_000 });
    const paidAt = page.getByRole('term').filter({ hasText: '支付时间（北京时间）' }).locator('+ dd');
    expect(Math.abs(fromBeijing((await paidAt.textContent()) ?? '') - Date.now())).toBeLessThan(120_000);
  });

  await test.step('the history says its times are Beijing time', async () => {
    await page.goto('/orders');
    await expect(page.getByText('以下时间均为北京时间')).toBeVisible();
    const created = (await page.getByTestId('history-order').first().textContent()) ?? '';
    const shown = /创建 (\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2})/.exec(created)?.[1] ?? '';
    expect(Math.abs(fromBeijing(shown) - Date.now())).toBeLessThan(120_000);
  });
});
