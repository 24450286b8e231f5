import { PAGE_TIMEOUT_MS } from '../playwright.config';
import { payLikeAPerson } from './fixtures/phone';
import {
  expectSuccessPage,
  openRechargePage,
  readBalanceFen,
  startRecharge,
  yuan,
} from './fixtures/recharge';
import { expect, test } from './fixtures/test';

test('WeChat loses the payment notification: the app still finds out by asking, and credits once', async ({
  page,
  phone,
  sandbox,
}) => {
  await test.step('on WeChat’s side, the next notification will never arrive', async () => {
    await sandbox.armNotificationFaults({ lose: 1 });
  });

  await openRechargePage(page);
  const balanceBefore = await readBalanceFen(page);
  const order = await test.step('a visitor asks to recharge ¥0.01', () =>
    startRecharge(page, { custom: '0.01' }));
  const queriesBefore = (await sandbox.stats()).calls.query;

  await test.step('they scan the QR code and pay', async () => {
    await payLikeAPerson(page, phone, { amount: '¥0.01' });
  });

  await test.step('the notification is lost: none reaches the app', async () => {
    await expect
      .poll(async () => (await sandbox.notifications(order.outTradeNo)).map((entry) => entry.outcome))
      .toEqual(['lost']);
  });

  await test.step('the page still reaches the success page: the app asked WeChat in the background', async () => {
    await expectSuccessPage(page, order, { balanceFen: balanceBefore + 1, timeout: PAGE_TIMEOUT_MS });
    expect((await sandbox.stats()).calls.query).toBeGreaterThan(queriesBefore);
    // Still nothing delivered: the success came from the query, not from a late notification.
    expect((await sandbox.notifications(order.outTradeNo)).map((entry) => entry.outcome)).toEqual(['lost']);
  });

  await test.step('the balance was credited exactly once, even after more queries and a reload', async () => {
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: '充值成功' })).toBeVisible();
    await expect(page.getByTestId('balance')).toHaveText(yuan(balanceBefore + 1));
    await openRechargePage(page);
    await expect(page.getByTestId('balance')).toHaveText(yuan(balanceBefore + 1));
  });
});
