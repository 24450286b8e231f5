import Link from 'next/link';
import { rechargeResultPath } from '@/lib/api-client/paths';
import { formatChinaDateTime } from '@/lib/china-time';
import { formatYuan } from '@/lib/money';
import type { OrderStatus } from '@/lib/schemas/order-status';
import styles from './order-history.module.css';

export interface HistoryRow {
  orderId: string;
  outTradeNo: string;
  amountFen: number;
  status: OrderStatus;
  createdAt: Date;
  paidAt: Date | null;
  refundedFen: number;
}

const STATUS_TEXT: Record<OrderStatus, string> = {
  PENDING: '待支付',
  PAID: '充值成功',
  FAILED: '支付失败',
  CLOSED: '已关闭',
};

/** 充值记录: one row per order, newest first; times in Beijing time whatever the browser's zone. */
export function OrderHistory({ orders, olderHref }: { orders: HistoryRow[]; olderHref: string | null }) {
  if (orders.length === 0) {
    return (
      <section className="card">
        <p className="muted">还没有充值记录。</p>
      </section>
    );
  }
  return (
    <section className="card" aria-label="充值记录">
      <p className="muted">以下时间均为北京时间</p>
      <ol className={styles.list} data-testid="order-history">
        {orders.map((order) => (
          <li key={order.orderId} className={styles.row} data-testid="history-order">
            <Link href={rechargeResultPath(order.orderId)} className={styles.link}>
              <span className={styles.main}>
                <span className={styles.amount}>{formatYuan(order.amountFen)}</span>
                <span className={styles[`status${order.status}`]} data-testid="history-status">
                  {order.refundedFen === 0
                    ? STATUS_TEXT[order.status]
                    : order.refundedFen === order.amountFen
                      ? '已全额退款'
                      : `已退款 ${formatYuan(order.refundedFen)}`}
                </span>
              </span>
              <span className={styles.meta}>
                <span>创建 {formatChinaDateTime(order.createdAt)}</span>
                {order.paidAt && <span>支付 {formatChinaDateTime(order.paidAt)}</span>}
                <span className="mono">{order.outTradeNo}</span>
              </span>
            </Link>
          </li>
        ))}
      </ol>
      {olderHref && (
        <Link className="button button-secondary button-block" href={olderHref}>
          更早的记录
        </Link>
      )}
    </section>
  );
}
