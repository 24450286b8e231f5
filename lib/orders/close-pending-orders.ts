import 'server-only';
import { getDb } from '../db';
import { getWechatPayClient, isWechatPayError } from '../wechat-pay';
import { END_REASONS, endPendingOrder } from './end-order';
import { reconcileOrderNow } from './reconcile-order';

/**
 * Starting a new payment closes the account's older PENDING orders at WeChat, so an old QR code
 * can't be paid by mistake. If WeChat won't close one (already paid, payer mid-payment), we ask
 * WeChat where it stands and settle from that: a payment that went through is credited.
 * Failures here never block the new order; an order left PENDING is still settled when paid.
 */
export async function closePendingOrders(accountId: string): Promise<void> {
  const pending = await getDb().paymentOrder.findMany({
    where: { accountId, status: 'PENDING' },
    select: { id: true, outTradeNo: true },
  });
  await Promise.all(pending.map((order) => closeOne(order)));
}

async function closeOne(order: { id: string; outTradeNo: string }): Promise<void> {
  try {
    await getWechatPayClient().closeOrder(order.outTradeNo);
    // Closed at WeChat: no payment can arrive any more.
    await endPendingOrder(order.id, 'CLOSED', END_REASONS.closedByRestart);
  } catch (error) {
    if (isWechatPayError(error) && error.code === 'ORDER_NOT_EXIST') {
      await endPendingOrder(order.id, 'CLOSED', END_REASONS.closedByRestart);
      return;
    }
    console.warn(
      `[orders] could not close ${order.outTradeNo} at WeChat (${isWechatPayError(error) ? error.code : String(error)}); querying it`,
    );
    await reconcileOrderNow(order.id).catch((queryError: unknown) => {
      console.warn(`[orders] query of ${order.outTradeNo} failed too; it stays PENDING`, queryError);
    });
  }
}
