import 'server-only';
import { getDb } from '../db';
import type { PaymentExceptionKind, Prisma } from '../generated/prisma/client';
import { createLogger } from '../log';

const log = createLogger('payments');

// Payments the code can't finish by itself become open payment exceptions (payment_exceptions): an
// amount that doesn't match, a payment for an order we don't know, a transaction id another order
// already has, an answer from WeChat we can't act on, an order still unsettled long after its expiry.
// One row per kind and out_trade_no: seeing the same thing again (WeChat retries a notification, the
// reconciler asks again) counts it, and reopens it if it had been resolved. People resolve them (the operations console, a later issue).

export interface ExceptionSighting {
  kind: PaymentExceptionKind;
  outTradeNo: string;
  orderId?: string | null;
  transactionId?: string | null;
  /** What was seen, for the person who resolves it: amounts, WeChat's answer, the source. */
  details: Prisma.InputJsonObject;
}

type Db = Prisma.TransactionClient | ReturnType<typeof getDb>;

/** Opens the exception, or counts one more sighting of it. Inside the caller's transaction when given one. */
export async function recordPaymentException(sighting: ExceptionSighting, db: Db = getDb()): Promise<void> {
  const now = new Date();
  await db.paymentException.upsert({
    where: { kind_outTradeNo: { kind: sighting.kind, outTradeNo: sighting.outTradeNo } },
    create: {
      kind: sighting.kind,
      outTradeNo: sighting.outTradeNo,
      orderId: sighting.orderId ?? null,
      transactionId: sighting.transactionId ?? null,
      details: sighting.details,
      firstSeenAt: now,
      lastSeenAt: now,
    },
    // Seen again after someone resolved it: it is open again, for them to look at once more.
    update: {
      occurrences: { increment: 1 },
      lastSeenAt: now,
      details: sighting.details,
      status: 'OPEN',
      resolvedAt: null,
      resolvedBy: null,
      resolution: null,
    },
  });
  log.error(
    {
      kind: sighting.kind,
      outTradeNo: sighting.outTradeNo,
      orderId: sighting.orderId ?? undefined,
      details: sighting.details,
    },
    'payment exception',
  );
}
