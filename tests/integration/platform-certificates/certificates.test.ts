// Certificates mode against the sandbox in certificate mode: the app learns WeChat's platform
// certificates from GET /v3/certificates, keeps settling while the sandbox rotates them, refuses a serial
// nobody published without hammering WeChat, and refuses to start with a merchant key or APIv3 key
// that doesn't match. On a database of its own: the certificate store and its lease are shared state.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDb } from '@/lib/db';
import { resetEnvForTests } from '@/lib/env';
import { checkHealth } from '@/lib/health/check-health';
import { refreshCertificatesIfDue } from '@/lib/platform-certificates/refresh-if-due';
import {
  checkWechatPayCredentials,
  exitUnlessWechatPayReady,
} from '@/lib/platform-certificates/startup-check';
import { getWechatPayConfig, resetWechatPayForTests } from '@/lib/wechat-pay';
import { useFreshDatabase } from '../../support/fresh-database';
import { captureLogs } from '../../support/logs';
import { balanceOf, createOrderFor, ledgerCount, newAccount } from '../../support/orders-fixtures';
import { type OrdersHarness, startOrdersHarness, waitFor, withEnv } from '../../support/orders-harness';

const REFRESH_INTERVAL_MS = 2_000;
const UNKNOWN_SERIAL_INTERVAL_MS = 60_000;

let harness: OrdersHarness;
let database: { drop(): Promise<void> };
let sweeper: NodeJS.Timeout | undefined;

beforeAll(async () => {
  database = await useFreshDatabase();
  harness = await startOrdersHarness({ verificationMode: 'certificate' });
  process.env.WECHATPAY_VERIFY_WITH = 'certificates';
  process.env.WECHATPAY_CERT_REFRESH_INTERVAL_MS = String(REFRESH_INTERVAL_MS);
  process.env.WECHATPAY_CERT_UNKNOWN_SERIAL_INTERVAL_MS = String(UNKNOWN_SERIAL_INTERVAL_MS);
  resetEnvForTests();
  resetWechatPayForTests();
});
afterEach(() => {
  clearInterval(sweeper);
  sweeper = undefined;
});
afterAll(async () => {
  for (const name of [
    'WECHATPAY_VERIFY_WITH',
    'WECHATPAY_CERT_REFRESH_INTERVAL_MS',
    'WECHATPAY_CERT_UNKNOWN_SERIAL_INTERVAL_MS',
  ]) {
    delete process.env[name];
  }
  resetEnvForTests();
  resetWechatPayForTests();
  await harness.close();
  await database.drop();
});

type Delivery = { outTradeNo: string; outcome: string; status?: number; serial?: string; at: string };
type SandboxCertificates = {
  activeSerial: string;
  certificates: { serialNo: string; state: string }[];
};

const deliveries = () => harness.control<Delivery[]>('GET', '/sandbox/notifications');
const certificateCalls = async () =>
  (await harness.control<{ calls: Record<string, number> }>('GET', '/sandbox/stats')).calls.certificates ?? 0;
const sandboxCertificates = () => harness.control<SandboxCertificates>('GET', '/sandbox/certificates');

/** What the sweep timer does in a running server: the certificate schedule, every 250 ms here. */
function startSweeper() {
  sweeper = setInterval(() => void refreshCertificatesIfDue().catch(() => {}), 250);
}

type PaidOrder = { accountId: string; orderId: string; outTradeNo: string; amountFen: number };

async function createOrders(count: number, amountFen = 100): Promise<PaidOrder[]> {
  const orders: PaidOrder[] = [];
  for (let i = 0; i < count; i++) {
    const accountId = await newAccount();
    const order = await createOrderFor(accountId, amountFen + i);
    orders.push({
      accountId,
      orderId: order.orderId,
      outTradeNo: order.outTradeNo,
      amountFen: amountFen + i,
    });
  }
  return orders;
}

async function pay(orders: PaidOrder[], pauseMs = 0): Promise<PaidOrder[]> {
  for (const order of orders) {
    await harness.control('POST', '/sandbox/pay', { out_trade_no: order.outTradeNo });
    if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return orders;
}

async function payOrders(count: number, amountFen = 100): Promise<PaidOrder[]> {
  return pay(await createOrders(count, amountFen));
}

async function expectEachCreditedOnce(paid: PaidOrder[]) {
  await waitFor(
    async () => {
      for (const order of paid)
        if ((await balanceOf(order.accountId)) !== BigInt(order.amountFen)) return false;
      return true;
    },
    { timeoutMs: 20_000 },
  );
  for (const order of paid) {
    expect(await balanceOf(order.accountId)).toBe(BigInt(order.amountFen));
    expect(await ledgerCount(order.orderId)).toBe(1);
  }
  // The sandbox logs a delivery once our answer is back: just after the credit.
  const acknowledged = (log: Delivery[]) =>
    paid.every((o) => log.some((d) => d.outTradeNo === o.outTradeNo && d.outcome === 'acknowledged'));
  const log = await waitFor(async () => {
    const entries = await deliveries();
    return acknowledged(entries) ? entries : null;
  });
  for (const order of paid) {
    expect(
      log.some((d) => d.outTradeNo === order.outTradeNo && d.outcome === 'acknowledged'),
      order.outTradeNo,
    ).toBe(true);
  }
  expect(
    await getDb().paymentNotification.count({ where: { outTradeNo: { in: paid.map((o) => o.outTradeNo) } } }),
  ).toBe(paid.length);
}

describe('certificates mode', () => {
  it('checks the credentials at start, stores the certificate and settles a payment WeChat signed with it', async () => {
    const check = await checkWechatPayCredentials();
    const { activeSerial } = await sandboxCertificates();
    expect(check).toMatchObject({ ok: true, apiV3KeyChecked: true });
    expect(check.ok && check.certificates.map((c) => c.serialNo)).toEqual([activeSerial]);
    expect(await getDb().wechatpayPlatformCertificate.findMany({ select: { serialNo: true } })).toEqual([
      { serialNo: activeSerial },
    ]);
    expect(getWechatPayConfig().verificationKeys.has(activeSerial)).toBe(true);

    const paid = await payOrders(2);
    await expectEachCreditedOnce(paid);
    const log = await deliveries();
    expect(new Set(log.map((d) => d.serial))).toEqual(new Set([activeSerial]));
  });

  it('refuses a serial WeChat never published, and downloads at most once per interval for it', async () => {
    const logs = captureLogs();
    try {
      const before = await certificateCalls();
      const { serialNo: unpublished } = await harness.control<{ serialNo: string }>(
        'POST',
        '/sandbox/certificates/sign-unpublished',
        { notifications: 4 },
      );
      const paid = await payOrders(4);
      // WeChat's retries (15 ms apart here) are signed with the real certificate and go through.
      await expectEachCreditedOnce(paid);
      const log = (await deliveries()).filter((d) => paid.some((o) => o.outTradeNo === d.outTradeNo));
      const refused = log.filter((d) => d.outcome !== 'acknowledged');
      expect(refused.map((d) => ({ serial: d.serial, status: d.status }))).toEqual(
        paid.map(() => ({ serial: unpublished, status: 401 })),
      );
      // Four messages naming it, one download at most (none if another one ran within the interval).
      expect((await certificateCalls()) - before).toBeLessThanOrEqual(1);
      const alerts = logs.lines().filter((l) => l.alert === 'wechatpay_unknown_serial');
      expect(alerts.length).toBeGreaterThanOrEqual(1);
      expect(alerts.every((l) => l.serial === unpublished && l.resolved === false)).toBe(true);
      expect(getWechatPayConfig().verificationKeys.has(unpublished)).toBe(false);
    } finally {
      logs.restore();
    }
  });

  it('keeps settling through a rotation as WeChat runs it: the new certificate is learned before it signs', async () => {
    startSweeper();
    const { activeSerial: oldSerial } = await sandboxCertificates();
    let rotating = true;
    const rotation = (async () => {
      await harness.control('POST', '/sandbox/certificates/rotate', { phase: 'publish', overlapMs: 60_000 });
      // WeChat lists a new certificate at least a day before signing with it: more than one refresh here.
      await new Promise((resolve) => setTimeout(resolve, REFRESH_INTERVAL_MS + 750));
      await harness.control('POST', '/sandbox/certificates/rotate', { phase: 'activate' });
      await new Promise((resolve) => setTimeout(resolve, 750));
      await harness.control('POST', '/sandbox/certificates/rotate', { phase: 'retire' });
      rotating = false;
    })();
    // Orders are created (answers signed by whichever certificate is active) and paid throughout.
    const paid: PaidOrder[] = [];
    while (rotating || paid.length < 10) paid.push(...(await payOrders(1, 200 + paid.length)));
    await rotation;
    await expectEachCreditedOnce(paid);

    const { activeSerial: newSerial } = await sandboxCertificates();
    const log = (await deliveries()).filter((d) => paid.some((o) => o.outTradeNo === d.outTradeNo));
    expect(new Set(log.map((d) => d.serial))).toEqual(new Set([oldSerial, newSerial]));
    expect(log.filter((d) => d.outcome !== 'acknowledged')).toEqual([]);
  });

  it('keeps settling when WeChat signs with a certificate at once: none lost, none credited twice, none refused longer than one refresh', async () => {
    startSweeper();
    const { activeSerial: oldSerial } = await sandboxCertificates();
    const before = await certificateCalls();
    const orders = await createOrders(40, 300);
    const paying = pay(orders, 20);
    // Mid-stream: publish and sign with the new certificate at once (no refresh has seen it yet), then
    // retire the old one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await harness.control('POST', '/sandbox/certificates/rotate', { phase: 'publish', overlapMs: 60_000 });
    const activatedAt = Date.now();
    const { activeSerial: newSerial } = await harness.control<SandboxCertificates>(
      'POST',
      '/sandbox/certificates/rotate',
      { phase: 'activate' },
    );
    expect(newSerial).not.toBe(oldSerial);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await harness.control('POST', '/sandbox/certificates/rotate', { phase: 'retire' });
    const paid = await paying;
    await expectEachCreditedOnce(paid);

    const log = (await deliveries()).filter((d) => paid.some((o) => o.outTradeNo === d.outTradeNo));
    expect(new Set(log.map((d) => d.serial))).toEqual(new Set([oldSerial, newSerial]));
    for (const refused of log.filter((d) => d.outcome !== 'acknowledged')) {
      // Only the new serial is ever refused, and only until a refresh (scheduled or triggered) learns it.
      expect(refused.serial).toBe(newSerial);
      expect(Date.parse(refused.at) - activatedAt).toBeLessThan(REFRESH_INTERVAL_MS + 1_000);
    }
    expect(getWechatPayConfig().verificationKeys.has(newSerial)).toBe(true);
    // A download per refresh interval at most (plus one for the unknown serial), not one per message.
    expect((await certificateCalls()) - before).toBeLessThan(10);
  });

  it('in both modes (the switch-over to the public key), settles notifications signed either way', async () => {
    await harness.control('POST', '/sandbox/certificates/mode', {
      mode: 'both',
      notificationPublicKeyShare: 0.5,
    });
    try {
      await withEnv({ WECHATPAY_VERIFY_WITH: 'both' }, async () => {
        const paid = await payOrders(4, 400);
        await expectEachCreditedOnce(paid);
        const log = (await deliveries()).filter((d) => paid.some((o) => o.outTradeNo === d.outTradeNo));
        const serials = new Set(log.map((d) => d.serial));
        expect(serials.has(process.env.WECHATPAY_PUBLIC_KEY_ID)).toBe(true);
        expect([...serials].some((serial) => /^[0-9A-F]{40}$/.test(serial ?? ''))).toBe(true);
        expect(log.every((d) => d.outcome === 'acknowledged')).toBe(true);
      });
    } finally {
      await harness.control('POST', '/sandbox/certificates/mode', { mode: 'certificate' });
    }
  });

  it('trusts the retired certificate for a day of retries, then only what WeChat lists', async () => {
    const { activeSerial, certificates } = await sandboxCertificates();
    const retired = certificates.find((c) => c.state === 'retired')?.serialNo;
    if (!retired) throw new Error('the rotation test leaves a retired certificate');
    await refreshCertificatesIfDue();
    expect(getWechatPayConfig().verificationKeys.has(retired)).toBe(true);
    // A day later (the listing moved back), it is no longer trusted.
    await getDb().$executeRaw`
      UPDATE wechatpay_platform_certificates SET last_listed_at = last_listed_at - interval '25 hours'
      WHERE serial_no = ${retired}`;
    await getDb().$executeRaw`UPDATE wechatpay_certificate_refresh SET last_success_at = NULL`;
    await refreshCertificatesIfDue();
    const ring = getWechatPayConfig().verificationKeys;
    expect(ring.has(retired)).toBe(false);
    expect(ring.has(activeSerial)).toBe(true);
  });
});

describe('alerts', () => {
  it('a failing download is recorded, alerted, and cleared by the next success', async () => {
    const logs = captureLogs();
    try {
      await getDb().$executeRaw`UPDATE wechatpay_certificate_refresh SET last_success_at = NULL`;
      await harness.control('POST', '/sandbox/faults/api', {
        endpoint: 'certificates',
        kind: 'system-error',
      });
      await refreshCertificatesIfDue();
      const failed = await getDb().wechatpayCertificateRefresh.findUniqueOrThrow({ where: { id: 1 } });
      expect(failed).toMatchObject({ consecutiveFailures: 1, lastSuccessAt: null, leaseUntil: null });
      expect(failed.lastError).toContain('SYSTEM_ERROR');
      const alert = logs.lines().find((l) => l.alert === 'wechatpay_cert_refresh_failing');
      expect(alert).toMatchObject({ level: 50, reason: 'schedule' });
      // The trusted certificates stay trusted meanwhile.
      const { activeSerial } = await sandboxCertificates();
      expect(getWechatPayConfig().verificationKeys.has(activeSerial)).toBe(true);

      // Backoff: no new attempt for a minute after a failure (then 2, 4, … up to the interval).
      const calls = await certificateCalls();
      await refreshCertificatesIfDue();
      expect(await certificateCalls()).toBe(calls);
      await getDb().$executeRaw`
        UPDATE wechatpay_certificate_refresh SET last_attempt_at = last_attempt_at - interval '61 seconds'`;
      await refreshCertificatesIfDue();
      expect(await certificateCalls()).toBe(calls + 1);
      const recovered = await getDb().wechatpayCertificateRefresh.findUniqueOrThrow({ where: { id: 1 } });
      expect(recovered).toMatchObject({ consecutiveFailures: 0, lastError: null });
      expect(recovered.lastSuccessAt).not.toBeNull();
    } finally {
      logs.restore();
    }
  });

  it('warns once a day while the last certificate ends within WECHATPAY_CERT_EXPIRY_WARN_DAYS', async () => {
    const logs = captureLogs();
    try {
      // The sandbox's certificates last 5 years: warn when under 6 years left.
      await withEnv({ WECHATPAY_CERT_EXPIRY_WARN_DAYS: String(6 * 366) }, async () => {
        await refreshCertificatesIfDue();
        await refreshCertificatesIfDue();
      });
      const alerts = logs.lines().filter((l) => l.alert === 'wechatpay_cert_expiring');
      expect(alerts).toHaveLength(1);
      expect(alerts[0]?.daysLeft).toBeGreaterThan(4 * 365);
      expect(alerts[0]?.daysLeft).toBeLessThan(5 * 366);
      logs.clear();
      await refreshCertificatesIfDue();
      expect(logs.lines().filter((l) => l.alert === 'wechatpay_cert_expiring')).toEqual([]);
    } finally {
      logs.restore();
    }
  });
});

describe('a notification naming a certificate WeChat has just started using', () => {
  /** A fresh process's view (its own key ring), the shared rate limit free: as after a deploy. */
  async function freshInstance() {
    resetWechatPayForTests();
    await getDb().$executeRaw`
      UPDATE wechatpay_certificate_refresh SET last_unknown_serial_at = NULL, lease_until = NULL`;
  }

  async function signWithANewCertificate() {
    await harness.control('POST', '/sandbox/certificates/rotate', { phase: 'publish', overlapMs: 60_000 });
    return (
      await harness.control<SandboxCertificates>('POST', '/sandbox/certificates/rotate', {
        phase: 'activate',
      })
    ).activeSerial;
  }

  it('is accepted at its first delivery: the serial is learned while the headers are screened', async () => {
    // Created before the rotation: the answer to its creation must not teach the serial first.
    const orders = await createOrders(1, 500);
    await freshInstance();
    const newSerial = await signWithANewCertificate();
    const [order] = await pay(orders);
    if (!order) throw new Error('no order');
    await expectEachCreditedOnce([order]);
    const log = (await deliveries()).filter((d) => d.outTradeNo === order.outTradeNo);
    expect(log.map((d) => ({ serial: d.serial, outcome: d.outcome }))).toEqual([
      { serial: newSerial, outcome: 'acknowledged' },
    ]);
  });

  it("is answered within WeChat's 5 s even when the download is slow, and settles on a retry", async () => {
    const orders = await createOrders(1, 600);
    await freshInstance();
    await signWithANewCertificate();
    await harness.control('POST', '/sandbox/faults/api', {
      endpoint: 'certificates',
      kind: 'delay',
      delayMs: 8_000,
    });
    try {
      const [order] = await pay(orders);
      if (!order) throw new Error('no order');
      await expectEachCreditedOnce([order]);
      const log = (await deliveries()).filter((d) => d.outTradeNo === order.outTradeNo);
      // Refused (401) after the 3 s wait, not left unanswered past WeChat's 5 s deadline ('error').
      expect(log[0]).toMatchObject({ outcome: 'rejected', status: 401 });
      expect(log.some((d) => d.outcome === 'error')).toBe(false);
      expect(log.at(-1)?.outcome).toBe('acknowledged');
    } finally {
      await harness.control('POST', '/sandbox/faults/reset');
    }
  }, 30_000);
});

describe('serials made up by anyone', () => {
  it('cost at most one store read per 5 s and one claim per interval, and never one for a non-certificate serial', async () => {
    const config = getWechatPayConfig();
    await new Promise((resolve) => setTimeout(resolve, 5_100)); // past the last test's re-read
    const queries = vi.spyOn(getDb(), '$queryRaw');
    const updates = vi.spyOn(getDb(), '$executeRaw');
    try {
      const serials = Array.from(
        { length: 200 },
        (_, i) => `${(0x10000 + i).toString(16).toUpperCase()}ABCDEF`,
      );
      const learned = await Promise.all(
        [...serials, 'PUB_KEY_ID_0000000000000000000000000000000000', 'not-hex', 'A'.repeat(41)].map((s) =>
          config.verificationKeys.ensure(s),
        ),
      );
      expect(learned.every((l) => l === false)).toBe(true);
      // One reload (and at most a lease check); the claim is rate-limited here (60 s) by earlier tests or not.
      expect(queries.mock.calls.length).toBeLessThanOrEqual(2);
      expect(updates.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      queries.mockRestore();
      updates.mockRestore();
    }
  });
});

describe('the start-up check', () => {
  const otherKeyPem = () =>
    generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();

  it('names a merchant key that does not match its serial', async () => {
    await withEnv({ WECHATPAY_MERCHANT_PRIVATE_KEY: otherKeyPem() }, async () => {
      const check = await checkWechatPayCredentials();
      expect(check).toMatchObject({ ok: false, retryable: false });
      expect(!check.ok && check.problem).toMatch(
        /WECHATPAY_MERCHANT_PRIVATE_KEY does not match WECHATPAY_MERCHANT_SERIAL_NO.*SIGN_ERROR/,
      );
    });
  });

  it('names an APIv3 key that is not the merchant portal one', async () => {
    await withEnv({ WECHATPAY_APIV3_KEY: 'A'.repeat(32) }, async () => {
      const check = await checkWechatPayCredentials();
      expect(!check.ok && check.problem).toMatch(
        /WECHATPAY_APIV3_KEY is not the APIv3 key set in the merchant portal/,
      );
    });
  });

  it('stops the server with that message', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const logs = captureLogs();
    try {
      await withEnv({ WECHATPAY_APIV3_KEY: 'B'.repeat(32) }, () => exitUnlessWechatPayReady());
      expect(exit).toHaveBeenCalledWith(1);
      expect(
        logs.lines().some((l) => l.level === 60 && /cannot start: WECHATPAY_APIV3_KEY/.test(l.msg)),
      ).toBe(true);
    } finally {
      logs.restore();
      exit.mockRestore();
    }
  });

  it('starts (alerting, health degraded) when WeChat is out of reach, rather than crash-loop', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const logs = captureLogs();
    try {
      await withEnv({ WECHATPAY_BASE_URL: 'http://127.0.0.1:9', WECHATPAY_TIMEOUT_MS: '500' }, async () => {
        await exitUnlessWechatPayReady();
        expect(exit).not.toHaveBeenCalled();
        expect(
          logs
            .lines()
            .some(
              (l) =>
                l.alert === 'wechatpay_startup_check_failed' &&
                /cannot reach WeChat Pay/.test(String(l.problem)),
            ),
        ).toBe(true);
        const health = await checkHealth({
          reconciler: async () => ({ oldestDueAgeSeconds: null, openExceptions: 0, lastSweepAgeSeconds: 1 }),
        });
        expect(health.wechatpay?.startupCheck).toBe('failed');
        expect(health.attention).toContain('wechatpay-startup-check-failed');
      });
    } finally {
      logs.restore();
      exit.mockRestore();
    }
  }, 20_000);

  it('in public-key mode, accepts WeChat 404 (no certificates) and still proves the merchant key', async () => {
    await harness.control('POST', '/sandbox/certificates/mode', { mode: 'public-key' });
    try {
      await withEnv({ WECHATPAY_VERIFY_WITH: 'public-key' }, async () => {
        expect(await checkWechatPayCredentials()).toMatchObject({
          ok: true,
          certificates: [],
          apiV3KeyChecked: false,
        });
      });
      await withEnv(
        { WECHATPAY_VERIFY_WITH: 'public-key', WECHATPAY_MERCHANT_PRIVATE_KEY: otherKeyPem() },
        async () => {
          expect(await checkWechatPayCredentials()).toMatchObject({ ok: false });
        },
      );
    } finally {
      await harness.control('POST', '/sandbox/certificates/mode', { mode: 'certificate' });
    }
  });
});
