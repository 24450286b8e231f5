import type { Metadata } from 'next';
import Link from 'next/link';
import styles from '@/components/admin/admin.module.css';
import { AdminNav } from '@/components/admin/admin-nav';
import { BillRunForm } from '@/components/admin/bill-run-form';
import { listBillDays } from '@/lib/admin/bills';
import { requireOperator } from '@/lib/admin/operator';
import { previousBeijingDay } from '@/lib/bills/bill-date';
import { formatChinaDateTime } from '@/lib/china-time';
import { formatYuan } from '@/lib/money';

export const metadata: Metadata = { title: '对账 · 运营后台', robots: { index: false } };

const KIND_TEXT = {
  PAID_NOT_CREDITED: '微信已收款，本地未入账',
  UNKNOWN_ORDER: '微信已收款，本地无此订单',
  CREDITED_NOT_IN_BILL: '本地已入账，账单中没有',
  AMOUNT_MISMATCH: '金额不一致',
  TRANSACTION_MISMATCH: '微信支付订单号不一致',
  REFUND_NOT_RECORDED: '微信已退款，本地无记录',
  REFUND_NOT_IN_BILL: '本地已退款，账单中没有',
  REFUND_AMOUNT_MISMATCH: '退款金额不一致',
  REFUND_STATUS_MISMATCH: '微信已退款，本地已退回余额',
  LEDGER_MISMATCH: '账户流水与订单不符',
} as const;

const RUN_STATUS = { RUNNING: '对账中', DONE: '已完成', FAILED: '失败' } as const;

export default async function AdminBillsPage() {
  const operator = await requireOperator();
  const days = await listBillDays();
  return (
    <div className={styles.shell}>
      <AdminNav current="/admin/bills" operator={operator.name} />
      <h1>对账</h1>
      <p className="muted">每天北京时间 10:00 后自动核对前一天的微信支付交易账单；也可以立即核对任意一天。</p>
      <BillRunForm defaultDate={previousBeijingDay(new Date())} />
      {days.length === 0 && <p className="muted">还没有对账记录。</p>}
      {days.map(({ billDate, run, runs, differences }) => (
        <section key={billDate} className="card" aria-labelledby={`bill-${billDate}`} data-testid="bill-day">
          <h2 id={`bill-${billDate}`}>
            {billDate}：{RUN_STATUS[run.status]}
            {run.status === 'FAILED' && run.error ? `（${run.error}）` : ''}
          </h2>
          <p className="muted">
            共对账 {runs} 次，最近一次 {formatChinaDateTime(run.startedAt)}（北京时间）
          </p>
          <div className={styles.tableWrap}>
            <table className={styles.table}>
              <thead>
                <tr>
                  <th scope="col" />
                  <th scope="col" className={styles.num}>
                    收款笔数
                  </th>
                  <th scope="col" className={styles.num}>
                    收款金额
                  </th>
                  <th scope="col" className={styles.num}>
                    退款笔数
                  </th>
                  <th scope="col" className={styles.num}>
                    退款金额
                  </th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">微信支付账单</th>
                  <td className={styles.num}>{run.wechatPaidCount}</td>
                  <td className={styles.num}>{formatYuan(run.wechatPaidFen)}</td>
                  <td className={styles.num}>{run.wechatRefundCount}</td>
                  <td className={styles.num}>{formatYuan(run.wechatRefundFen)}</td>
                </tr>
                <tr>
                  <th scope="row">本地订单与退款</th>
                  <td className={styles.num}>{run.ourPaidCount}</td>
                  <td className={styles.num}>{formatYuan(run.ourPaidFen)}</td>
                  <td className={styles.num}>{run.ourRefundCount}</td>
                  <td className={styles.num}>{formatYuan(run.ourRefundFen)}</td>
                </tr>
                <tr>
                  <th scope="row">本地账户流水</th>
                  <td className={styles.num}>—</td>
                  <td className={styles.num}>{formatYuan(run.ledgerPaidFen)}</td>
                  <td className={styles.num}>—</td>
                  <td className={styles.num}>{formatYuan(run.ledgerRefundFen)}</td>
                </tr>
              </tbody>
            </table>
          </div>
          {differences.length === 0 ? (
            <p className={styles.success}>三方一致，没有差异。</p>
          ) : (
            <div className={styles.tableWrap}>
              <table className={styles.table}>
                <thead>
                  <tr>
                    <th scope="col">差异</th>
                    <th scope="col">单号</th>
                    <th scope="col">已处理</th>
                    <th scope="col">详情</th>
                  </tr>
                </thead>
                <tbody>
                  {differences.map((d) => (
                    <tr key={d.id} data-testid="bill-difference">
                      <td>{KIND_TEXT[d.kind]}</td>
                      <td className="mono">
                        <Link href={`/admin?q=${encodeURIComponent(d.outTradeNo)}`}>{d.reference}</Link>
                      </td>
                      <td>
                        {d.action === 'credited'
                          ? '已按账单入账'
                          : d.action === 'recorded'
                            ? '已按账单记录退款'
                            : d.exception?.status === 'RESOLVED'
                              ? '已处理'
                              : '待处理（见支付异常）'}
                      </td>
                      <td>
                        <pre className={styles.pre}>{JSON.stringify(d.details)}</pre>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ))}
    </div>
  );
}
