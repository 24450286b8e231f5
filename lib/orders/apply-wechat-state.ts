import 'server-only';
import { learnRefundsOf } from '../refunds/learn-refunds';
import type { WechatTransaction } from '../wechat-pay';
import { END_REASONS, endPendingOrder } from './end-order';
import { settlePaidOrder } from './settle-order';

/** Applies WeChat's final answer about an order: settle a payment, or end the order. PENDING changes nothing. */
export async function applyWechatState(
  order: { id: string; outTradeNo: string },
  transaction: WechatTransaction,
): Promise<void> {
  switch (transaction.status) {
    case 'PAID':
      if (!transaction.transactionId) {
        throw new Error(`WeChat reports ${order.outTradeNo} paid without a transaction_id`);
      }
      await settlePaidOrder(
        {
          outTradeNo: order.outTradeNo,
          transactionId: transaction.transactionId,
          amountFen: transaction.amountFen,
          paidAt: transaction.successTime ?? new Date(),
        },
        { via: 'query' },
      );
      // Paid, then refunded at WeChat: the refunds are recorded and debited too, never the credit alone.
      if (transaction.tradeState === 'REFUND') await learnRefundsOf(order);
      return;
    case 'CLOSED':
      await endPendingOrder(order.id, 'CLOSED', END_REASONS.closedAtWechat);
      return;
    case 'FAILED':
      await endPendingOrder(order.id, 'FAILED', END_REASONS.payError);
      return;
    case 'PENDING':
      return;
  }
}
