import 'server-only';
import { getDb } from '../db';
import { getEnv } from '../env';
import { closeAtWechat } from './close-at-wechat';
import { END_REASONS } from './end-order';

/**
 * Starting a new payment closes the account's older PENDING orders at WeChat, so an old QR code
 * can't be paid by mistake. Orders whose creation may still be in flight (no QR link yet, younger
 * than two WeChat timeouts) are left alone: closing them would race their own creation. Nothing
 * here blocks the new order; an order left PENDING is closed by the reconciler at its expiry and
 * credited if it gets paid meanwhile.
 */
export async function closePendingOrders(accountId: string, exceptOrderId: string): Promise<void> {
  const inFlightSince = new Date(Date.now() - getEnv().WECHATPAY_TIMEOUT_MS * 2 - 1_000);
  const pending = await getDb().paymentOrder.findMany({
    where: {
      accountId,
      status: 'PENDING',
      id: { not: exceptOrderId },
      OR: [{ codeUrl: { not: null } }, { createdAt: { lt: inFlightSince } }],
    },
    select: { id: true, outTradeNo: true },
  });
  await Promise.all(pending.map((order) => closeAtWechat(order, END_REASONS.closedByRestart)));
}
