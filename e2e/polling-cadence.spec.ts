import { payLikeAPerson } from './fixtures/phone';
import { expectSuccessPage, openRechargePage, startRecharge } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

// The page polls the status route every STATUS_POLL_INTERVAL_MS (2 s, the app's default, which this
// stack runs with) from the moment the QR code shows, with no gap: a payer who pays at once must not
// wait twice the interval for the page to notice.
const POLL_INTERVAL_MS = 2_000;
const TOLERANCE_MS = 300;

test('the page polls every 2 s from the moment the QR code shows, without a gap', async ({ page, phone }) => {
  await openRechargePage(page);
  const polls: number[] = [];
  let shownAt = 0;
  page.on('request', (request) => {
    if (/^\/api\/orders\/[^/]+\/status$/.test(new URL(request.url()).pathname)) polls.push(Date.now());
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname === '/api/orders' && response.request().method() === 'POST') shownAt = Date.now();
  });
  const order = await startRecharge(page, { custom: '0.01' });

  await test.step('five polls come, each within the interval of the one before', async () => {
    await expect
      .poll(() => polls.length, { timeout: 5 * POLL_INTERVAL_MS + 2_000 })
      .toBeGreaterThanOrEqual(5);
    const gaps = polls.map((at, i) => at - (i === 0 ? shownAt : (polls[i - 1] as number)));
    const bound = POLL_INTERVAL_MS + TOLERANCE_MS;
    expect(
      gaps.filter((gap) => gap > bound),
      `gaps (ms): ${gaps.join(', ')}`,
    ).toEqual([]);
  });

  await test.step('and the payment is noticed within one interval', async () => {
    await payLikeAPerson(page, phone, { amount: '¥0.01' });
    const paidAt = Date.now();
    await expectSuccessPage(page, order, { balanceFen: 1, timeout: 10_000 });
    expect(Date.now() - paidAt).toBeLessThan(POLL_INTERVAL_MS + 2_000);
  });
});
