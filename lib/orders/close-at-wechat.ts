import 'server-only';
import { createLogger } from '../log';
import { callWechatPay, WechatPayBusyError } from '../rate-limit/wechat-pay-budget';
import { getWechatPayClient, isWechatPayError } from '../wechat-pay';
import { applyWechatState } from './apply-wechat-state';
import { endPendingOrder } from './end-order';

const log = createLogger('orders');

export type CloseOutcome = 'closed' | 'unknown_at_wechat' | 'not_closed';

/**
 * Closes an order at WeChat, then locally. If WeChat won't close it (already paid, or the payer
 * is entering the password: FREQUENCY_LIMITED), asks where it stands and applies that, so a
 * payment that went through is credited. ORDER_NOT_EXIST means "not known yet", never "closed":
 * the caller decides (an order still being created may appear at WeChat a moment later).
 */
export async function closeAtWechat(
  order: { id: string; outTradeNo: string },
  reason: string,
): Promise<CloseOutcome> {
  const client = getWechatPayClient();
  try {
    await callWechatPay('background', () => client.closeOrder(order.outTradeNo), { coolDownOn429: false });
  } catch (error) {
    if (isWechatPayError(error) && error.code === 'ORDER_NOT_EXIST') return 'unknown_at_wechat';
    // Nothing was sent (the budget is spent or WeChat asked us to slow down): a query couldn't be
    // either. The order stays PENDING; the reconciler closes it later.
    if (error instanceof WechatPayBusyError) return 'not_closed';
    log.warn(
      {
        orderId: order.id,
        outTradeNo: order.outTradeNo,
        code: isWechatPayError(error) ? error.code : String(error),
      },
      'WeChat did not close the order; querying it',
    );
    try {
      await applyWechatState(
        order,
        await callWechatPay('background', () => client.queryOrder(order.outTradeNo)),
      );
    } catch (queryError) {
      log.warn(
        { orderId: order.id, outTradeNo: order.outTradeNo, err: queryError },
        'query failed too; it stays PENDING',
      );
    }
    return 'not_closed';
  }
  await endPendingOrder(order.id, 'CLOSED', reason);
  return 'closed';
}
