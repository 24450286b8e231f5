import 'server-only';
import { callWechatPay, WechatPayBusyError } from '../rate-limit/wechat-pay-budget';
import { getWechatPayClient, isWechatPayError } from '../wechat-pay';
import { applyWechatState } from './apply-wechat-state';
import { endPendingOrder } from './end-order';

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
    console.warn(
      `[orders] WeChat did not close ${order.outTradeNo} (${isWechatPayError(error) ? error.code : String(error)}); querying it`,
    );
    try {
      await applyWechatState(
        order,
        await callWechatPay('background', () => client.queryOrder(order.outTradeNo)),
      );
    } catch (queryError) {
      console.warn(`[orders] query of ${order.outTradeNo} failed too; it stays PENDING`, queryError);
    }
    return 'not_closed';
  }
  await endPendingOrder(order.id, 'CLOSED', reason);
  return 'closed';
}
