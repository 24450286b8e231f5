import { payLikeAPerson } from './fixtures/phone';
import { expectSuccessPage, openRechargePage, startRecharge } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

// A merchant on WeChat Pay platform certificates: WeChat signs every answer and notification with a
// certificate the app downloaded from GET /v3/certificates (at start), never with the public key.
// The e2e app runs in the switch-over mode (WECHATPAY_VERIFY_WITH=both), so it trusts both kinds.

test.afterEach(async ({ sandbox }) => {
  await sandbox.setVerificationMode('both');
});

test('the whole payment, with WeChat signing by platform certificate only', async ({
  page,
  phone,
  sandbox,
}) => {
  const { activeSerial, publicKeyId } =
    await test.step('WeChat signs with its platform certificate', async () => {
      await sandbox.setVerificationMode('certificate');
      const state = await sandbox.certificates();
      expect(state.mode).toBe('certificate');
      expect(state.activeSerial).toMatch(/^[0-9A-F]{40}$/);
      return state;
    });

  const order =
    await test.step('a visitor asks for a QR code (WeChat answers signed by certificate)', async () => {
      await openRechargePage(page);
      return startRecharge(page, { custom: '0.02' });
    });

  await test.step('they pay on the phone and the page moves to the success page', async () => {
    await payLikeAPerson(page, phone, { amount: '¥0.02' });
    await expectSuccessPage(page, order, { balanceFen: 2, timeout: 10_000 });
  });

  await test.step('the notification was signed by the certificate and acknowledged at once', async () => {
    const log = await sandbox.notifications(order.outTradeNo);
    expect(log.map((entry) => ({ serial: entry.serial, outcome: entry.outcome }))).toEqual([
      { serial: activeSerial, outcome: 'acknowledged' },
    ]);
    expect(log[0]?.serial).not.toBe(publicKeyId);
  });
});
