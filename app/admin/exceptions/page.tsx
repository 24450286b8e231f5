import type { Metadata } from 'next';
import Link from 'next/link';
import styles from '@/components/admin/admin.module.css';
import { AdminNav } from '@/components/admin/admin-nav';
import { ExceptionActions } from '@/components/admin/exception-actions';
import { isCreditable, listOpenExceptions, listRecentlyResolved } from '@/lib/admin/exceptions';
import { requireOperator } from '@/lib/admin/operator';
import { formatChinaDateTime } from '@/lib/china-time';

export const metadata: Metadata = { title: '支付异常 · 运营后台', robots: { index: false } };

const KIND_TEXT: Record<string, string> = {
  AMOUNT_MISMATCH: '支付金额与订单不符',
  UNKNOWN_ORDER: '未知订单的支付',
  DUPLICATE_TRANSACTION: '重复的微信支付订单号',
  CONFLICTING_TRANSACTION: '已入账订单出现另一笔支付',
  UNEXPECTED_ANSWER: '无法处理的微信支付回答',
  UNRESOLVED_AT_EXPIRY: '过期仍未确认',
  REFUND_NOT_COVERED: '余额不足以扣减商户平台退款',
  REFUND_MISMATCH: '退款信息不一致',
  REFUND_NOT_RECORDED: '微信支付已退款但本地无记录',
  REFUND_ABNORMAL: '退款异常：微信支付无法退到用户账户（在订单页处理）',
  REFUND_STUCK: '退款长时间未完成',
  BILL_NOT_CREDITED: '对账：微信已收款，本地未入账',
  BILL_MISSING_AT_WECHAT: '对账：本地有记录，微信账单中没有',
  BILL_AMOUNT_MISMATCH: '对账：金额不一致',
  BILL_LEDGER_MISMATCH: '对账：账户流水与订单不符',
};

export default async function AdminExceptionsPage() {
  const operator = await requireOperator();
  const [open, resolved] = await Promise.all([listOpenExceptions(), listRecentlyResolved()]);
  return (
    <div className={styles.shell}>
      <AdminNav current="/admin/exceptions" operator={operator.name} />
      <h1>支付异常</h1>
      <p className="muted">待处理 {open.length} 项（北京时间）</p>
      {open.map((exception) => (
        <section
          key={exception.id}
          className="card"
          aria-label={`${KIND_TEXT[exception.kind] ?? exception.kind} ${exception.outTradeNo}`}
          data-testid="admin-exception"
        >
          <h2>{KIND_TEXT[exception.kind] ?? exception.kind}</h2>
          <dl className="detail-list">
            <div>
              <dt>商户订单号</dt>
              <dd className="mono">
                {exception.orderId ? (
                  <Link href={`/admin/orders/${encodeURIComponent(exception.outTradeNo)}`}>
                    {exception.outTradeNo}
                  </Link>
                ) : (
                  exception.outTradeNo
                )}
              </dd>
            </div>
            <div>
              <dt>出现次数</dt>
              <dd>
                {exception.occurrences}（首次 {formatChinaDateTime(exception.firstSeenAt)}，最近{' '}
                {formatChinaDateTime(exception.lastSeenAt)}）
              </dd>
            </div>
            <div>
              <dt>看到的情况</dt>
              <dd>
                <pre className={styles.pre}>{JSON.stringify(exception.details, null, 1)}</pre>
              </dd>
            </div>
          </dl>
          <ExceptionActions exceptionId={exception.id} creditable={isCreditable(exception)} />
        </section>
      ))}
      {resolved.length > 0 && (
        <section className="card" aria-labelledby="resolved">
          <h2 id="resolved">最近处理的</h2>
          <ul>
            {resolved.map((e) => (
              <li key={e.id}>
                {KIND_TEXT[e.kind] ?? e.kind} <span className="mono">{e.outTradeNo}</span>：{e.resolution}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
