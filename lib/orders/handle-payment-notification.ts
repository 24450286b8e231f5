import 'server-only';
import { createLogger } from '../log';
import {
  checkNotificationHeaders,
  getWechatPayConfig,
  type HeaderSource,
  parsePaymentNotification,
  type SignatureCheck,
} from '../wechat-pay';
import { settlePaidOrder } from './settle-order';

const log = createLogger('notify');

// WeChat's payment notification: screen the headers before the body is read, verify and decrypt the
// raw bytes, then settle. The answer tells WeChat whether to retry: 204 when handled (including
// duplicates, and outcomes a retry can't change), 401 when the notification isn't authentic, 500 on
// a transient fault.

export type NotificationAnswer =
  | { status: 204 }
  | { status: 401 | 400 | 500; body: { code: 'FAIL'; message: string } };

/**
 * One answer for every notification that isn't authentic, whatever the check that failed: a caller
 * probing the route learns nothing about which one it was. The log line names the reason.
 */
const REJECTED_NOTIFICATION = {
  status: 401,
  body: { code: 'FAIL', message: 'notification rejected' },
} as const satisfies NotificationAnswer;

/**
 * How long a notification naming a serial we don't hold waits while the platform certificates are
 * re-read or downloaded: WeChat gives up on an answer after 5 s, and retries a refused one anyway.
 */
const LEARN_SERIAL_WAIT_MS = 3_000;

/**
 * The checks that need only the headers, for the route to make before reading the body: undefined
 * when the request may be a notification from WeChat, else the answer to refuse it with. A serial not
 * held (a platform certificate WeChat has just started signing with) is learned first, within
 * LEARN_SERIAL_WAIT_MS; the download it may start is rate-limited, whoever names the serial.
 */
export async function screenPaymentNotification(
  headers: HeaderSource,
): Promise<NotificationAnswer | undefined> {
  const screened = await checkHeadersLearningSerial(headers);
  return screened.ok ? undefined : reject(screened.reason);
}

/**
 * checkNotificationHeaders, after learning the serial the headers name if no key here has it (the
 * route's screen, and both notification handlers when their parse meets a serial not held).
 */
export async function checkHeadersLearningSerial(headers: HeaderSource): Promise<SignatureCheck> {
  const config = getWechatPayConfig();
  const screened = checkNotificationHeaders(headers, config);
  // Only an UNKNOWN_SERIAL failure names a serial to learn.
  // Stryker disable next-line ConditionalExpression: `screened.ok` → false is equivalent (a pass has no serial)
  if (screened.ok || !screened.serial) return screened;
  await waitAtMost(config.verificationKeys.ensure(screened.serial), LEARN_SERIAL_WAIT_MS);
  return checkNotificationHeaders(headers, config);
}

/** Resolves when `work` settles or after `ms`, whichever comes first (the work goes on). */
async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function handlePaymentNotification(
  headers: HeaderSource,
  rawBody: Uint8Array,
): Promise<NotificationAnswer> {
  let parsed = parsePaymentNotification({ headers, rawBody }, getWechatPayConfig());
  // A serial no key here has (the route's screen learns it; a caller without the screen does it here).
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a guard for speed only; learning and parsing again after any other outcome changes nothing
  if (!parsed.ok && parsed.reason === 'UNKNOWN_SERIAL') {
    await checkHeadersLearningSerial(headers);
    parsed = parsePaymentNotification({ headers, rawBody }, getWechatPayConfig());
  }
  if (!parsed.ok) return reject(parsed.reason);
  const { transaction, notificationId, eventType } = parsed;
  if (eventType !== 'TRANSACTION.SUCCESS' || transaction.status !== 'PAID') {
    // WeChat only notifies successes for Native payments; anything else is acknowledged and ignored.
    log.warn(
      { notificationId, eventType, tradeState: transaction.tradeState, outTradeNo: transaction.outTradeNo },
      'notification ignored: not a successful payment',
    );
    return { status: 204 };
  }
  if (!transaction.transactionId) {
    return { status: 400, body: { code: 'FAIL', message: 'transaction_id missing' } };
  }
  try {
    const result = await settlePaidOrder(
      {
        outTradeNo: transaction.outTradeNo,
        transactionId: transaction.transactionId,
        amountFen: transaction.amountFen,
        paidAt: transaction.successTime ?? new Date(),
      },
      { via: 'notification', notificationId, eventType },
    );
    // Stryker disable next-line ConditionalExpression,BlockStatement: only decides whether to log
    if (result.outcome === 'unknown_order') {
      log.error({ notificationId, outTradeNo: transaction.outTradeNo }, 'paid order unknown here');
    }
    return { status: 204 };
  } catch (error) {
    log.error(
      { notificationId, outTradeNo: transaction.outTradeNo, err: error },
      'settling failed; WeChat will retry',
    );
    return { status: 500, body: { code: 'FAIL', message: 'temporarily unable to process' } };
  }
}

function reject(reason: string): NotificationAnswer {
  log.warn({ reason }, 'notification rejected');
  return REJECTED_NOTIFICATION;
}
