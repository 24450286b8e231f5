import 'server-only';
import { createLogger } from '../log';
import { checkHeadersLearningSerial, type NotificationAnswer } from '../orders/handle-payment-notification';
import { reconcileOrderByOutTradeNo } from '../orders/reconcile-order';
import { getWechatPayConfig, type HeaderSource, parseRefundNotification } from '../wechat-pay';
import { applyRefundState } from './apply-refund-state';

// Stryker disable next-line StringLiteral: the log lines' module name, no behaviour
const log = createLogger('refund-notify');

// WeChat's refund notification (REFUND.SUCCESS / ABNORMAL / CLOSED), on its own route: verified and
// decrypted like payment notifications, then applied once (applyRefundState). 204 when handled,
// duplicates and out-of-order ones included; 401 when not authentic; 500 on a transient fault, or a
// refund of an order we haven't settled yet (WeChat retries: by then the payment is settled).

export async function handleRefundNotification(
  headers: HeaderSource,
  rawBody: Uint8Array,
): Promise<NotificationAnswer> {
  let parsed = parseRefundNotification({ headers, rawBody }, getWechatPayConfig());
  if (!parsed.ok && parsed.reason === 'UNKNOWN_SERIAL') {
    await checkHeadersLearningSerial(headers);
    parsed = parseRefundNotification({ headers, rawBody }, getWechatPayConfig());
  }
  if (!parsed.ok) {
    log.warn({ reason: parsed.reason }, 'refund notification rejected');
    return { status: 401, body: { code: 'FAIL', message: 'notification rejected' } };
  }
  const { refund, notificationId, eventType } = parsed;
  const source = { via: 'notification', notificationId, eventType } as const;
  try {
    let outcome = await applyRefundState(refund, source);
    if (outcome === 'order_not_paid') {
      // Refunded at WeChat, not settled here yet (its payment notification is late): settle it from
      // WeChat's answer now, then record the refund.
      await reconcileOrderByOutTradeNo(refund.outTradeNo);
      outcome = await applyRefundState(refund, source);
    }
    if (outcome === 'order_not_paid') {
      return { status: 500, body: { code: 'FAIL', message: 'order not settled yet' } };
    }
    log.info(
      { notificationId, eventType, outRefundNo: refund.outRefundNo, outcome },
      'refund notification handled',
    );
    return { status: 204 };
  } catch (error) {
    log.error(
      { notificationId, outRefundNo: refund.outRefundNo, err: error },
      'refund notification failed; WeChat will retry',
    );
    return { status: 500, body: { code: 'FAIL', message: 'temporarily unable to process' } };
  }
}
