import 'server-only';
import { getWechatPayConfig, type HeaderSource, parsePaymentNotification } from '../wechat-pay';
import { settlePaidOrder } from './settle-order';

// WeChat's payment notification: verify and decrypt the raw body, then settle. The answer tells
// WeChat whether to retry: 204 when handled (including duplicates, and outcomes a retry can't
// change), 401 when the notification isn't authentic, 500 on a transient fault.

export type NotificationAnswer =
  | { status: 204 }
  | { status: 401 | 400 | 500; body: { code: 'FAIL'; message: string } };

export async function handlePaymentNotification(
  headers: HeaderSource,
  rawBody: string,
): Promise<NotificationAnswer> {
  const parsed = parsePaymentNotification({ headers, rawBody }, getWechatPayConfig());
  if (!parsed.ok) {
    console.warn(`[notify] rejected notification: ${parsed.reason}`);
    return { status: 401, body: { code: 'FAIL', message: `verification failed: ${parsed.reason}` } };
  }
  const { transaction, notificationId, eventType } = parsed;
  if (eventType !== 'TRANSACTION.SUCCESS' || transaction.status !== 'PAID') {
    // WeChat only notifies successes for Native payments; anything else is acknowledged and ignored.
    console.warn(`[notify] ${notificationId}: ignoring ${eventType} (${transaction.tradeState})`);
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
      console.error(`[notify] ${notificationId}: paid order ${transaction.outTradeNo} is unknown here`);
    }
    return { status: 204 };
  } catch (error) {
    console.error(
      `[notify] ${notificationId}: settling ${transaction.outTradeNo} failed; WeChat will retry`,
      error,
    );
    return { status: 500, body: { code: 'FAIL', message: 'temporarily unable to process' } };
  }
}
