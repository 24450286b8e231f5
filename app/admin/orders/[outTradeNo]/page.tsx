import { randomUUID } from 'node:crypto';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import styles from '@/components/admin/admin.module.css';
import { AdminNav } from '@/components/admin/admin-nav';
import { EndAbnormalForm } from '@/components/admin/end-abnormal-form';
import { HoldUncoveredForm } from '@/components/admin/hold-uncovered-form';
import { RefundForm } from '@/components/admin/refund-form';
import { requireOperator } from '@/lib/admin/operator';
import { getOrderDetail } from '@/lib/admin/orders';
import { formatChinaDateTime } from '@/lib/china-time';
import { formatFen, formatYuan } from '@/lib/money';
import { REFUND_STATUS_LABELS } from '@/lib/refunds/refund-status';
import { readRefundable } from '@/lib/refunds/refundable';

export const metadata: Metadata = { title: '订单详情 · 运营后台', robots: { index: false } };

const STATUS_TEXT = { PENDING: '待支付', PAID: '已支付', FAILED: '支付失败', CLOSED: '已关闭' } as const;
const LEDGER_TEXT = {
  RECHARGE: '充值入账',
  MERGE_OUT: '合并转出',
  MERGE_IN: '合并转入',
  REFUND: '退款扣减',
  REFUND_RETURN: '退款失败退回',
} as const;

export default async function AdminOrderPage({ params }: PageProps<'/admin/orders/[outTradeNo]'>) {
  const operator = await requireOperator();
  const { outTradeNo } = await params;
  // Next.js has decoded the segment already.
  const detail = await getOrderDetail(outTradeNo);
  if (!detail) notFound();
  const { order, notifications, ledger, actions } = detail;
  const { balanceFen: balance, refundableFen: refundable } = await readRefundable(order.outTradeNo);

  return (
    <div className={styles.shell}>
      <AdminNav current="/admin" operator={operator.name} />
      <p>
        <Link href="/admin">← 返回订单列表</Link>
      </p>
      <h1>
        订单 <span className="mono">{order.outTradeNo}</span>
      </h1>
      <div className={styles.grid}>
        <section className="card" aria-labelledby="order-facts">
          <h2 id="order-facts">订单信息</h2>
          <dl className="detail-list">
            <div>
              <dt>状态</dt>
              <dd data-testid="admin-order-status">{STATUS_TEXT[order.status]}</dd>
            </div>
            <div>
              <dt>金额</dt>
              <dd>{formatYuan(order.amountFen)}</dd>
            </div>
            <div>
              <dt>已退款（含退款中）</dt>
              <dd data-testid="admin-refunded">{formatYuan(order.refundedFen)}</dd>
            </div>
            <div>
              <dt>用户</dt>
              <dd>
                {order.account.user?.name ?? '访客账户'} <span className="mono">{order.accountId}</span>
              </dd>
            </div>
            <div>
              <dt>账户余额</dt>
              <dd>{formatYuan(balance)}</dd>
            </div>
            <div>
              <dt>微信支付订单号</dt>
              <dd className="mono">{order.transactionId ?? '—'}</dd>
            </div>
            <div>
              <dt>创建时间</dt>
              <dd>{formatChinaDateTime(order.createdAt)}</dd>
            </div>
            <div>
              <dt>支付时间</dt>
              <dd>{order.paidAt ? formatChinaDateTime(order.paidAt) : '—'}</dd>
            </div>
          </dl>
        </section>
        <section className="card" aria-labelledby="refund-start">
          <h2 id="refund-start">发起退款</h2>
          {refundable > 0 ? (
            <>
              <p className="muted">最多可退 {formatYuan(refundable)}（订单未退金额与账户余额中较小者）</p>
              <RefundForm
                outTradeNo={order.outTradeNo}
                refundableYuan={formatFen(refundable).replaceAll(',', '')}
                formKey={randomUUID()}
              />
            </>
          ) : (
            <p className="muted">
              {order.status !== 'PAID'
                ? '只有已支付的订单可以退款。'
                : '没有可退金额（已全部退款，或账户余额为 0）。'}
            </p>
          )}
        </section>
      </div>

      <section className="card" aria-labelledby="refunds">
        <h2 id="refunds">退款</h2>
        {order.refunds.length === 0 ? (
          <p className="muted">没有退款。</p>
        ) : (
          <Table
            head={['商户退款单号', '金额', '状态', '来源', '原因', '申请人', '申请时间', '退款成功时间']}
            rows={order.refunds.map((refund) => [
              <span key="no" className="mono">
                {refund.outRefundNo}
              </span>,
              formatYuan(refund.amountFen),
              <span key="st">
                <span data-testid="admin-refund-status">{REFUND_STATUS_LABELS[refund.status]}</span>
                {refund.failureReason ? `（${refund.failureReason}）` : ''}
                {refund.status === 'ABNORMAL' && <EndAbnormalForm refundId={refund.id} />}
                {!refund.held && refund.status !== 'CLOSED' && refund.status !== 'REJECTED' && (
                  <>
                    （未从余额扣减）
                    <HoldUncoveredForm refundId={refund.id} />
                  </>
                )}
              </span>,
              refund.origin === 'CONSOLE' ? '运营后台' : '微信支付商户平台',
              refund.reason ?? '—',
              refund.requester?.name ?? '—',
              formatChinaDateTime(refund.createdAt),
              refund.succeededAt ? formatChinaDateTime(refund.succeededAt) : '—',
            ])}
            testId="admin-refund-row"
          />
        )}
      </section>

      <div className={styles.grid}>
        <section className="card" aria-labelledby="history">
          <h2 id="history">状态变化</h2>
          <Table
            head={['时间', '从', '到']}
            rows={order.history.map((change) => [
              formatChinaDateTime(change.changedAt),
              change.fromStatus ? STATUS_TEXT[change.fromStatus] : '（创建）',
              STATUS_TEXT[change.toStatus],
            ])}
          />
        </section>
        <section className="card" aria-labelledby="ledger">
          <h2 id="ledger">账户流水</h2>
          {ledger.length === 0 ? (
            <p className="muted">没有流水。</p>
          ) : (
            <Table
              head={['时间', '类型', '金额', '关联单号']}
              rows={ledger.map((entry) => [
                formatChinaDateTime(entry.createdAt),
                LEDGER_TEXT[entry.kind],
                formatYuan(entry.amountFen),
                <span key="ref" className="mono">
                  {entry.reference}
                </span>,
              ])}
            />
          )}
        </section>
      </div>

      <div className={styles.grid}>
        <section className="card" aria-labelledby="notifications">
          <h2 id="notifications">收到的通知</h2>
          {notifications.length === 0 ? (
            <p className="muted">没有收到通知。</p>
          ) : (
            <Table
              head={['时间', '事件（通知 ID）', '处理结果']}
              rows={notifications.map((n) => [
                formatChinaDateTime(n.receivedAt),
                <span key="e">
                  {n.outRefundNo ? `${n.eventType}（${n.outRefundNo}）` : n.eventType}
                  <br />
                  <small className="mono">{n.notificationId}</small>
                </span>,
                n.outcome,
              ])}
            />
          )}
        </section>
        <section className="card" aria-labelledby="queries">
          <h2 id="queries">向微信支付的查询</h2>
          {order.queries.length === 0 ? (
            <p className="muted">没有查询过。</p>
          ) : (
            <Table
              head={['时间', '微信支付的回答']}
              rows={order.queries.map((q) => [
                formatChinaDateTime(q.askedAt),
                <span key="a" className="mono">
                  {q.answer}
                </span>,
              ])}
            />
          )}
        </section>
      </div>

      <div className={styles.grid}>
        <section className="card" aria-labelledby="exceptions">
          <h2 id="exceptions">支付异常</h2>
          {order.exceptions.length === 0 ? (
            <p className="muted">没有异常。</p>
          ) : (
            <Table
              head={['类型', '状态', '次数', '首次出现', '处理说明']}
              rows={order.exceptions.map((e) => [
                e.kind,
                e.status === 'OPEN' ? '待处理' : '已处理',
                String(e.occurrences),
                formatChinaDateTime(e.firstSeenAt),
                e.resolution ?? '—',
              ])}
            />
          )}
        </section>
        <section className="card" aria-labelledby="actions">
          <h2 id="actions">操作记录</h2>
          {actions.length === 0 ? (
            <p className="muted">没有操作记录。</p>
          ) : (
            <Table
              head={['时间', '操作员', '操作', '内容']}
              rows={actions.map((a) => [
                formatChinaDateTime(a.createdAt),
                a.actor.name,
                a.action,
                <pre key="d" className={styles.pre}>
                  {JSON.stringify(a.details)}
                </pre>,
              ])}
            />
          )}
        </section>
      </div>
      <p className="muted">以上时间均为北京时间</p>
    </div>
  );
}

function Table({ head, rows, testId }: { head: string[]; rows: React.ReactNode[][]; testId?: string }) {
  return (
    <div className={styles.tableWrap}>
      <table className={styles.table}>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((cells, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are rendered once, in order
            <tr key={i} data-testid={testId}>
              {cells.map((cell, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: fixed columns
                <td key={j}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
