// A refund notification signed with a platform certificate WeChat has only just started using (certificates
// mode, the sandbox signing by certificate): the handler learns the serial when its parse meets one it
// doesn't hold, and the notification is applied at its first delivery; a serial WeChat never published is
// refused, and WeChat's retry applies it once. On a database of its own: the certificate store and its
// lease are shared state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/lib/db';
import { resetEnvForTests } from '@/lib/env';
import { resetWechatPayForTests } from '@/lib/wechat-pay';
import { useFreshDatabase } from '../../support/fresh-database';
import { balanceOf, createOrderFor, newAccount } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness, waitFor } from '../../support/orders-harness';

let harness: OrdersHarness;
let database: { drop(): Promise<void> };

beforeAll(async () => {
  database = await useFreshDatabase();
  harness = await startOrdersHarness({ verificationMode: 'certificate' });
  process.env.WECHATPAY_VERIFY_WITH = 'certificates';
  resetEnvForTests();
  resetWechatPayForTests();
});
afterAll(async () => {
  delete process.env.WECHATPAY_VERIFY_WITH;
  resetEnvForTests();
  resetWechatPayForTests();
  await harness.close();
  await database.drop();
});

interface Delivery {
  attempt: number;
  outcome: string;
  status?: number;
  serial?: string;
}

/** A recharge of `amountFen`, paid and credited (its payment notification signed by the current certificate). */
async function paidOrder(amountFen: number) {
  const accountId = await newAccount();
  const order = await createOrderFor(accountId, amountFen);
  await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
  await waitFor(async () => (await balanceOf(accountId)) === BigInt(amountFen));
  return { accountId, ...order };
}

/** A fresh process's view (its own key ring), the shared rate limit free: as after a deploy. */
async function freshInstance() {
  resetWechatPayForTests();
  await getDb().$executeRaw`
    UPDATE wechatpay_certificate_refresh SET last_unknown_serial_at = NULL, lease_until = NULL`;
}

/** A refund made in the merchant portal, notified to our refund route. */
const portalRefund = (outTradeNo: string, amount: number) =>
  harness.control<{ out_refund_no: string }>('POST', '/sandbox/refunds/portal', {
    out_trade_no: outTradeNo,
    amount,
    notify_url: process.env.WECHATPAY_REFUND_NOTIFY_URL,
  });

const deliveries = (outRefundNo: string, done: (entries: Delivery[]) => boolean) =>
  waitFor(async () => {
    const entries = await harness.control<Delivery[]>(
      'GET',
      `/sandbox/notifications?out_refund_no=${outRefundNo}`,
    );
    return done(entries) ? entries : null;
  });

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

    const portal = await portalRefund(order.outTradeNo, 300);
    const log = await deliveries(portal.out_refund_no, (entries) => entries.length > 0);
    expect(
      log.map((d) => ({ attempt: d.attempt, serial: d.serial, outcome: d.outcome, status: d.status })),
    ).toEqual([{ attempt: 1, serial: activeSerial, outcome: 'acknowledged', status: 204 }]);
    const refund = await getDb().refund.findUniqueOrThrow({ where: { outRefundNo: portal.out_refund_no } });
    expect(refund).toMatchObject({ status: 'SUCCESS', amountFen: 300, held: true });
    expect(await balanceOf(order.accountId)).toBe(600n);
  });

  it('WeChat never published is refused (401); its retry, signed by a published one, is applied once', async () => {
    const order = await paidOrder(700);
    await freshInstance();
    await harness.control('POST', '/sandbox/certificates/sign-unpublished', { notifications: 1 });

    const portal = await portalRefund(order.outTradeNo, 200);
    const log = await deliveries(portal.out_refund_no, (entries) =>
      entries.some((e) => e.outcome === 'acknowledged'),
    );
    expect(log.find((d) => d.attempt === 1)).toMatchObject({ status: 401 });
    expect(log.filter((d) => d.outcome === 'acknowledged')).toHaveLength(1);
    const refunds = await getDb().refund.findMany({ where: { outRefundNo: portal.out_refund_no } });
    expect(refunds).toEqual([expect.objectContaining({ status: 'SUCCESS', amountFen: 200 })]);
    expect(await balanceOf(order.accountId)).toBe(500n);
  });
});
