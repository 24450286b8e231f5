// What the refunds and daily-bill integration tests share: the orders harness (the WeChat Pay sandbox and
// our notify routes over HTTP, ./orders-harness.ts) started with the options those files differ by, an
// operator to request refunds, and the WeChat side of a refund as the tests arrange it: an order paid at
// the sandbox, a refund made in the merchant portal, WeChat deciding a refund's outcome, and the
// deliveries of its notification. Also our own records written straight into the database, for the bill
// run to compare.
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { getDb } from '@/lib/db';
import { resetEnvForTests } from '@/lib/env';
import type { Refund, RefundOrigin } from '@/lib/generated/prisma/client';
import { requestRefund } from '@/lib/refunds/request-refund';
import type { CreatedOrder } from '@/lib/schemas/order-status';
import { getWechatPayClient, resetWechatPayForTests } from '@/lib/wechat-pay';
import { newUser, uniqueTransactionId, visitorWithPaidOrder } from './accounts-fixtures';
import { useFreshDatabase } from './fresh-database';
import { balanceOf, createOrderFor, newAccount } from './orders-fixtures';
import { type OrdersHarness, startOrdersHarness, waitFor } from './orders-harness';
import type { SandboxControl } from './sandbox-control';

export interface RefundsHarnessOptions {
  /**
   * A database of the file's own (./fresh-database.ts), for subjects that take everything in it: the
   * refund sweep takes every due refund, a bill run compares a whole day.
   */
  freshDatabase?: boolean;
  /** A merchant id of the file's own, so that pausing WeChat Pay's lanes here pauses no other file's calls. */
  ownMerchant?: boolean;
  /** The sandbox signs with platform certificates, and we verify with them (WECHATPAY_VERIFY_WITH). */
  verifyWithCertificates?: boolean;
  /** A console user, `operatorId`, who requests the refunds. */
  operator?: boolean;
  /** When the sandbox's faults (and its holding of refunds) are undone: before each case (default), after it, or never. */
  resetFaults?: 'beforeEach' | 'afterEach' | 'never';
  /** Before each case: refunds WeChat accepts stay PROCESSING there until given an outcome. */
  holdRefunds?: boolean;
  /** Before each case: the earlier cases' refunds taken out of the sweep, so that each case sweeps its own only. */
  sweepEachCaseAlone?: boolean;
}

interface PaidOrderOptions {
  /** Pay on this account (a further recharge), instead of on a new visitor account. */
  accountId?: string;
  /** `false`: WeChat never notifies the payment, so it is not credited here (nor waited for). */
  notify?: boolean;
}

/** The order as its creation answered, with its account and WeChat's transaction id for the payment. */
type PaidOrder = CreatedOrder & { accountId: string; transactionId: string };

/** One delivery of a refund notification, as the sandbox logs it. */
export interface Delivery {
  attempt: number;
  outcome: string;
  status?: number;
  responseBody?: string;
  /** The serial of the key or certificate that signed it. */
  serial?: string;
}

export interface RefundsHarness {
  /** The sandbox's control API (/sandbox/*). */
  control: SandboxControl;
  /** The console user requesting refunds (`operator: true`). */
  readonly operatorId: string;
  /** An order of `amountFen` paid at the sandbox and, unless `notify` is false, credited here. */
  paidOrder(amountFen: number, options?: PaidOrderOptions): Promise<PaidOrder>;
  /** The operator's refund request (a new form key unless one is given). */
  refund(
    outTradeNo: string,
    amountFen: number,
    more?: { reason?: string; idempotencyKey?: string },
  ): Promise<Refund>;
  /** WeChat answers the next `count` calls to `endpoint` with the fault (the sandbox's /sandbox/faults/api). */
  wechatFails(fault: {
    endpoint: string;
    kind: string;
    count?: number;
    afterProcessing?: boolean;
  }): Promise<void>;
  /** The operator's refund, once WeChat's notification of its success is applied here: the refund then. */
  succeededRefund(outTradeNo: string, amountFen: number): Promise<Refund>;
  /** A refund made in the merchant portal, notified to our refund route unless `notify` is false: its out_refund_no. */
  portalRefund(outTradeNo: string, amount: number, options?: { notify?: boolean }): Promise<string>;
  /** WeChat decides the refund's outcome, and its notification moves the refund on here: the refund then. */
  wechatFinishes(outRefundNo: string, status: 'SUCCESS' | 'CLOSED' | 'ABNORMAL'): Promise<Refund>;
  /** WeChat decides the refund's outcome, and its notification is lost: only a query learns it. */
  wechatFinishesUnnotified(outRefundNo: string, status: 'SUCCESS' | 'ABNORMAL'): Promise<void>;
  /** The sandbox's deliveries of a refund's notification, once `done` holds for them. */
  deliveries(outRefundNo: string, done: (entries: Delivery[]) => boolean): Promise<Delivery[]>;
}

/**
 * Starts the harness for the test file (beforeAll) and closes it (afterAll), with what the options ask
 * for around it. Call at the top of the file: the file's own hooks, declared after, run after these
 * before each case.
 */
export function setUpRefundsHarness(options: RefundsHarnessOptions = {}): RefundsHarness {
  const { resetFaults = 'beforeEach' } = options;
  let harness: OrdersHarness | undefined;
  let database: { drop(): Promise<void> } | undefined;
  let operatorId: string | undefined;

  const started = (): OrdersHarness => {
    if (!harness) throw new Error('setUpRefundsHarness: the harness is not started (used outside a test?)');
    return harness;
  };
  const operator = (): string => {
    if (operatorId === undefined)
      throw new Error('setUpRefundsHarness: no operator (ask for `operator: true`)');
    return operatorId;
  };
  const control = (<T>(method: 'GET' | 'POST', path: string, body?: unknown) =>
    started().control<T>(method, path, body)) as SandboxControl;
  const resetAtSandbox = async () => {
    await control('POST', '/sandbox/faults/reset');
  };

  beforeAll(async () => {
    // biome-ignore lint/correctness/useHookAtTopLevel: not a React hook; a database only when asked for.
    if (options.freshDatabase) database = await useFreshDatabase();
    if (options.ownMerchant) {
      process.env.WECHATPAY_MCHID = `19${randomInt(10 ** 7, 10 ** 8)}`;
      resetEnvForTests();
      resetWechatPayForTests();
    }
    harness = await startOrdersHarness(
      options.verifyWithCertificates ? { verificationMode: 'certificate' } : {},
    );
    if (options.verifyWithCertificates) {
      process.env.WECHATPAY_VERIFY_WITH = 'certificates';
      resetEnvForTests();
      resetWechatPayForTests();
    }
    if (options.operator) operatorId = await newUser();
  });
  if (resetFaults === 'beforeEach' || options.holdRefunds || options.sweepEachCaseAlone) {
    beforeEach(async () => {
      if (resetFaults === 'beforeEach') await resetAtSandbox();
      if (options.holdRefunds) await control('POST', '/sandbox/faults/refunds', { hold: true });
      if (options.sweepEachCaseAlone) await getDb().refund.updateMany({ data: { nextCheckAt: null } });
    });
  }
  if (resetFaults === 'afterEach') afterEach(resetAtSandbox);
  afterAll(async () => {
    if (options.verifyWithCertificates) {
      delete process.env.WECHATPAY_VERIFY_WITH;
      resetEnvForTests();
      resetWechatPayForTests();
    }
    await harness?.close();
    await database?.drop();
  });

  const refund: RefundsHarness['refund'] = (
    outTradeNo,
    amountFen,
    { reason, idempotencyKey = randomUUID() } = {},
  ) => requestRefund({ outTradeNo, amountFen, reason, operatorId: operator(), idempotencyKey });
  /** Our refund, once it has `status` here. */
  const ourRefundWhen = (outRefundNo: string, status: Refund['status']) =>
    waitFor(async () => {
      const row = await refundRow(outRefundNo);
      return row.status === status ? row : null;
    });

  return {
    control,
    get operatorId() {
      return operator();
    },

    async paidOrder(amountFen, { accountId, notify = true } = {}) {
      const account = accountId ?? (await newAccount());
      const credited = (accountId === undefined ? 0n : await balanceOf(account)) + BigInt(amountFen);
      const order = await createOrderFor(account, amountFen);
      const paid = await control<{ transaction: { transaction_id: string } }>('POST', '/sandbox/pay', {
        out_trade_no: order.outTradeNo,
        ...(notify ? {} : { notify: false }),
      });
      if (notify) await waitFor(async () => (await balanceOf(account)) === credited);
      return { accountId: account, ...order, transactionId: paid.transaction.transaction_id };
    },

    async wechatFails(fault) {
      await control('POST', '/sandbox/faults/api', fault);
    },

    refund,

    async succeededRefund(outTradeNo, amountFen) {
      const requested = await refund(outTradeNo, amountFen);
      return ourRefundWhen(requested.outRefundNo, 'SUCCESS');
    },

    async portalRefund(outTradeNo, amount, { notify = true } = {}) {
      const made = await control<{ out_refund_no: string }>('POST', '/sandbox/refunds/portal', {
        out_trade_no: outTradeNo,
        amount,
        ...(notify ? { notify_url: process.env.WECHATPAY_REFUND_NOTIFY_URL } : {}),
      });
      return made.out_refund_no;
    },

    async wechatFinishes(outRefundNo, status) {
      await control('POST', '/sandbox/refunds/outcome', { out_refund_no: outRefundNo, status });
      return ourRefundWhen(outRefundNo, status);
    },

    async wechatFinishesUnnotified(outRefundNo, status) {
      await control('POST', '/sandbox/faults/notifications', { lose: 1 });
      await control('POST', '/sandbox/refunds/outcome', { out_refund_no: outRefundNo, status });
    },

    deliveries: (outRefundNo, done) =>
      waitFor(async () => {
        const entries = await control<Delivery[]>(
          'GET',
          `/sandbox/notifications?out_refund_no=${outRefundNo}`,
        );
        return done(entries) ? entries : null;
      }),
  };
}

/** Our refund row of that number. */
export const refundRow = (outRefundNo: string) =>
  getDb().refund.findUniqueOrThrow({ where: { outRefundNo } });

/** WeChat's view of a refund, as the adapter reads it. */
export const wechatRefund = (outRefundNo: string) => getWechatPayClient().queryRefund(outRefundNo);

// Our own records, written straight into the database (no WeChat call), for a bill run to compare.

export const DAY_MS = 86_400_000;

/** A bill date (YYYY-MM-DD) as a bill run or difference stores it. */
export const dayOf = (billDate: string) => new Date(`${billDate}T00:00:00Z`);

/** A visitor account with one order credited here, recorded as paid at `paidAt`. */
export async function visitorPaidAt(amountFen: number, paidAt: Date) {
  const { accountId, order } = await visitorWithPaidOrder(amountFen);
  return {
    accountId,
    order: await getDb().paymentOrder.update({ where: { id: order.id }, data: { paidAt } }),
  };
}

/** A refund of ours, SUCCESS, with its hold (the REFUND ledger entry), requested at `createdAt`. */
export function refundRecordedHere(
  order: { id: string; accountId: string },
  { amountFen, createdAt, origin }: { amountFen: number; createdAt: Date; origin?: RefundOrigin },
) {
  return getDb().$transaction(async (tx) => {
    const refund = await tx.refund.create({
      data: {
        outRefundNo: `RFLOCAL${Date.now()}${Math.floor(Math.random() * 1000)}`,
        orderId: order.id,
        accountId: order.accountId,
        amountFen,
        status: 'SUCCESS',
        origin,
        nextCheckAt: null,
        createdAt,
      },
    });
    await tx.ledgerEntry.create({
      data: { accountId: order.accountId, refundId: refund.id, kind: 'REFUND', amountFen: -amountFen },
    });
    return refund;
  });
}

/** A credited (PAID) order of a new account, whose RECHARGE ledger entry is missing. */
export async function paidWithoutLedger(amountFen: number, paidAt: Date) {
  const account = await getDb().account.create({ data: {} });
  return getDb().paymentOrder.create({
    data: {
      accountId: account.id,
      outTradeNo: `RCNOLEDGER${Date.now()}${Math.floor(Math.random() * 1000)}`,
      amountFen,
      description: '账户余额充值',
      expiresAt: paidAt,
      status: 'PAID',
      paidAt,
      transactionId: uniqueTransactionId(),
    },
  });
}
