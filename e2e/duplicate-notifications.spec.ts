import { payLikeAPerson } from './fixtures/phone';
import { expectSuccessPage, openRechargePage, readBalanceFen, startRecharge } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

test('WeChat delivers the same notification three times at once: the balance rises exactly once', async ({
  page,
  phone,
  sandbox,
}) => {
  await test.step('on WeChat’s side, the next notification will be sent 3 times concurrently', async () => {
    await sandbox.armNotificationFaults({ duplicate: 3, concurrent: true });
  });

  await openRechargePage(page);
  const balanceBefore = await readBalanceFen(page);
  const order = await test.step('a visitor picks the ¥10 preset and confirms', () =>
    startRecharge(page, { preset: 10 }));
  expect(order.amountFen).toBe(1_000);

  await test.step('they scan the QR code and pay ¥10.00', async () => {
    await payLikeAPerson(page, phone, { amount: '¥10.00' });
  });

  await test.step('the page moves to the success page', async () => {
    await expectSuccessPage(page, order, { balanceFen: balanceBefore + 1_000, timeout: 10_000 });
  });

  await test.step('the app acknowledged all three copies', async () => {
    await expect
      .poll(
        async () =>
          (await sandbox.notifications(order.outTradeNo)).filter((entry) => entry.outcome === 'acknowledged')
            .length,
      )
      .toBeGreaterThanOrEqual(3);
    const log = await sandbox.notifications(order.outTradeNo);
    expect(new Set(log.map((entry) => entry.eventId)).size, 'copies of one and the same event').toBe(1);
  });

  await test.step('yet the balance rose by ¥10.00 once, not three times', async () => {
    await openRechargePage(page);
    expect(await readBalanceFen(page)).toBe(balanceBefore + 1_000);
  });
});
