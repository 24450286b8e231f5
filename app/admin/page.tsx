import type { Metadata } from 'next';
import Link from 'next/link';
import styles from '@/components/admin/admin.module.css';
import { AdminNav } from '@/components/admin/admin-nav';
import { requireOperator } from '@/lib/admin/operator';
import { searchOrders } from '@/lib/admin/orders';
import { formatChinaDateTime } from '@/lib/china-time';
import { formatYuan } from '@/lib/money';

export const metadata: Metadata = { title: '订单 · 运营后台', robots: { index: false } };

const STATUS_TEXT = { PENDING: '待支付', PAID: '已支付', FAILED: '支付失败', CLOSED: '已关闭' } as const;

export default async function AdminOrdersPage({ searchParams }: PageProps<'/admin'>) {
  const operator = await requireOperator();
  const { q } = await searchParams;
  const query = typeof q === 'string' ? q : '';
  const orders = await searchOrders(query);
  return (
    <div className={styles.shell}>
      <AdminNav current="/admin" operator={operator.name} />
      <h1>订单</h1>
      <form className={styles.search} action="/admin">
        <label className="sr-only" htmlFor="q">
          商户订单号、微信支付订单号或用户
        </label>
        <input
          id="q"
          name="q"
          defaultValue={query}
          placeholder="商户订单号 / 微信支付订单号 / 用户 ID 或昵称"
          maxLength={64}
        />
        <button className="button button-primary" type="submit">
          查找
        </button>
      </form>
      <p className="muted">
        {query ? `“${query}” 的结果：${orders.length} 笔` : `最近的 ${orders.length} 笔订单`}（北京时间）
      </p>
      {orders.length > 0 && (
        <div className={styles.tableWrap}>
          <table className={styles.table}>
            <thead>
              <tr>
                <th scope="col">商户订单号</th>
                <th scope="col">用户</th>
                <th scope="col" className={styles.num}>
                  金额
                </th>
                <th scope="col" className={styles.num}>
                  已退款
                </th>
                <th scope="col">状态</th>
                <th scope="col">创建时间</th>
              </tr>
            </thead>
            <tbody>
              {orders.map((order) => (
                <tr key={order.id} data-testid="admin-order-row">
                  <td className="mono">
                    <Link href={`/admin/orders/${encodeURIComponent(order.outTradeNo)}`}>
                      {order.outTradeNo}
                    </Link>
                  </td>
                  <td>{order.account.user?.name ?? '访客账户'}</td>
                  <td className={styles.num}>{formatYuan(order.amountFen)}</td>
                  <td className={styles.num}>
                    {order.refundedFen > 0 ? formatYuan(order.refundedFen) : '—'}
                  </td>
                  <td>{STATUS_TEXT[order.status]}</td>
                  <td>{formatChinaDateTime(order.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
