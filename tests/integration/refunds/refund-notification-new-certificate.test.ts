// A refund notification signed with a platform certificate WeChat has only just started using (certificates
// mode, the sandbox signing by certificate): the handler learns the serial when its parse meets one it
// doesn't hold, and the notification is applied at its first delivery; a serial WeChat never published is
// refused, and WeChat's retry applies it once. On a database of its own: the certificate store and its
// lease are shared state.
import { describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { resetWechatPayForTests } from '@/lib/wechat-pay';
import { balanceOf } from '../../support/orders-fixtures';
import { setUpRefundsHarness } from '../../support/refunds-fixtures';

const harness = setUpRefundsHarness({
  freshDatabase: true,
  verifyWithCertificates: true,
  resetFaults: 'never',
});
// paidOrder: its payment notification is signed by the current certificate.
const { paidOrder, portalRefund, deliveries } = harness;

/** A fresh process's view (its own key ring), the shared rate limit free: as after a deploy. */
async function freshInstance() {
  resetWechatPayForTests();
  await getDb().$executeRaw`
    UPDATE wechatpay_certificate_refresh SET last_unknown_serial_at = NULL, lease_until = NULL`;
}

describe('a refund notification naming a certificate', () => {
  it('WeChat has just started using is applied at its first delivery: the serial is learned', async () => {
    const order = await paidOrder(900);
    await freshInstance();
    await harness.control('POST', '/sandbox/certificates/rotate', { phase: 'publish', overlapMs: 60_000 });
    const { activeSerial } = await harness.control<{ activeSerial: string }>(
      'POST',
      '/sandbox/certificates/rotate',
      { phase: 'activate' },
    );

    const outRefundNo = await portalRefund(order.outTradeNo, 300);
    const log = await deliveries(outRefundNo, (entries) => entries.length > 0);
    expect(
      log.map((d) => ({ attempt: d.attempt, serial: d.serial, outcome: d.outcome, status: d.status })),
    ).toEqual([{ attempt: 1, serial: activeSerial, outcome: 'acknowledged', status: 204 }]);
    const refund = await getDb().refund.findUniqueOrThrow({ where: { outRefundNo } });
    expect(refund).toMatchObject({ status: 'SUCCESS', amountFen: 300, held: true });
    expect(await balanceOf(order.accountId)).toBe(600n);
  });

  it('WeChat never published is refused (401); its retry, signed by a published one, is applied once', async () => {
    const order = await paidOrder(700);
    await freshInstance();
    await harness.control('POST', '/sandbox/certificates/sign-unpublished', { notifications: 1 });

    const outRefundNo = await portalRefund(order.outTradeNo, 200);
    const log = await deliveries(outRefundNo, (entries) => entries.some((e) => e.outcome === 'acknowledged'));
    expect(log.find((d) => d.attempt === 1)).toMatchObject({ status: 401 });
    expect(log.filter((d) => d.outcome === 'acknowledged')).toHaveLength(1);
    const refunds = await getDb().refund.findMany({ where: { outRefundNo } });
    expect(refunds).toEqual([expect.objectContaining({ status: 'SUCCESS', amountFen: 200 })]);
    expect(await balanceOf(order.accountId)).toBe(500n);
  });
});
