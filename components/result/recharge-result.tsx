import Link from 'next/link';
import { OrderDetails } from '@/components/order-details';
import { rechargeResultPath } from '@/lib/api-client/paths';
import { formatYuan } from '@/lib/money';
import type { OrderResult } from '@/lib/orders/get-order-result';
import { PendingStatusWatcher } from './pending-status-watcher';
import styles from './recharge-result.module.css';
import { ResultIcon } from './result-icon';

const TITLES = {
  PAID: '充值成功',
  FAILED: '支付失败',
  CLOSED: '支付未完成',
  PENDING: '支付结果确认中',
} as const;

type RechargeResultProps = { result: OrderResult; pollIntervalMs: number };

/** The outcome of one order, as the database has it. */
export function RechargeResult({ result, pollIntervalMs }: RechargeResultProps) {
  const { status } = result;
  const resultPath = rechargeResultPath(result.orderId);

  return (
    <section className={`card ${styles.card}`} aria-labelledby="result-title">
      <ResultIcon status={status} />
      <h1 id="result-title">{TITLES[status]}</h1>

      {status === 'PAID' ? (
        <p className={styles.amount}>
          <span className={styles.amountLabel}>充值金额</span>
          <span data-testid="credited-amount">{formatYuan(result.amountFen)}</span>
        </p>
      ) : (
        <p className={styles.lead}>{leadText(result)}</p>
      )}

      <OrderDetails
        outTradeNo={result.outTradeNo}
        // A paid order's amount is the headline already.
        amountFen={status === 'PAID' ? undefined : result.amountFen}
        balanceFen={result.balanceFen}
        paidAt={result.paidAt}
        createdAt={result.paidAt ? undefined : result.createdAt}
      />

      <div className="button-row">
        {status === 'PAID' && (
          <Link href="/" className="button button-primary">
            继续充值
          </Link>
        )}
        {(status === 'FAILED' || status === 'CLOSED') && (
          <Link href="/" className="button button-primary">
            重新支付
          </Link>
        )}
        {status === 'PENDING' && (
          <>
            {/* A plain link: a full reload re-reads the order, and works before any script runs. */}
            <a href={resultPath} className="button button-primary">
              刷新
            </a>
            <Link href="/" className="button button-secondary">
              返回充值
            </Link>
          </>
        )}
      </div>

      {status === 'PENDING' && (
        <PendingStatusWatcher orderId={result.orderId} pollIntervalMs={pollIntervalMs} />
      )}
    </section>
  );
}

function leadText(result: OrderResult): string {
  switch (result.status) {
    case 'PENDING':
      return '暂未收到微信支付的结果。如果您已完成支付，金额仍会到账，请稍后刷新查看，无需重复支付。';
    case 'CLOSED':
      return result.reason ?? '订单已关闭，未完成支付。';
    default:
      return result.reason ?? '本次支付未成功，请重新发起支付。';
  }
}
