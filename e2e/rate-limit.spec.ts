import { openRechargePage } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

// A signed-in person who has started ORDER_RATE_LIMIT_PER_USER_PER_MINUTE (10) payments within a
// minute is told, in the page's own words, to wait: the server answers 429 with Retry-After and the
// form shows its message. Nothing is created by the refused attempt.

test('the page shows the server’s message when a person starts too many payments in a minute', async ({
  page,
}) => {
  await openRechargePage(page);
  // The limit is a sliding window over whole-minute windows (Upstash's approximation weighs the
  // previous minute by what is left of it): attempts straddling a minute's end count a little less
  // than ten. Start them early in a minute, so that the eleventh is refused whenever the test runs.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await page.waitForTimeout(60_000 - intoMinute + 200);
  // Ten attempts count whatever their outcome: cheap ones here (an amount the server refuses).
  for (let attempt = 0; attempt < 10; attempt++) {
    const answer = await page.request.post('/api/orders', {
      data: Buffer.from('{"amountFen":0}'),
      headers: { 'content-type': 'application/json' },
    });
    expect(answer.status()).toBe(422);
  }

  await page.getByLabel('自定义金额（元）').fill('12');
  const refused = page.waitForResponse(
    (response) =>
      new URL(response.url()).pathname === '/api/orders' && response.request().method() === 'POST',
  );
  await page.getByRole('button', { name: '确认支付' }).click();
  const answer = await refused;
  expect(answer.status()).toBe(429);
  const retryAfter = Number(answer.headers()['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  await expect(page.getByRole('alert').filter({ hasText: '下单过于频繁' })).toHaveText(
    `下单过于频繁，请 ${retryAfter} 秒后再试`,
  );
  await expect(page.getByTestId('payment-qr')).toHaveCount(0);

  await page.goto('/orders');
  await expect(page.getByText('还没有充值记录')).toBeVisible();
});
