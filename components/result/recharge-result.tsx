import Link from 'next/link';
import { OrderDetails } from '@/components/order-details';
import { formatFen, formatYuan } from '@/lib/money';
import type { OrderResult } from '@/lib/orders/get-order-result';
import { PendingResultActions } from './pending-result-actions';
import styles from './recharge-result.module.css';
import { ResultIcon } from './result-icon';

const TITLES = {
  PAID: '充值成功',
  FAILED: '支付失败',
  CLOSED: '支付未完成',
  PENDING: '支付结果尚未确认',
} as const;

type RechargeResultProps = { result: OrderResult; pollIntervalMs: number };

/**
 * The outcome of one order, as the database has it. Where the payment page ends, paid or not: an
 * order still PENDING (the page stopped waiting, or the person came back later) says so and keeps
 * checking (PendingResultActions).
 */
export function RechargeResult({ result, pollIntervalMs }: RechargeResultProps) {
  const { status } = result;

  return (
    <section
      className={`card ${styles.card}`}
      aria-labelledby="result-title"
      data-testid={status === 'PENDING' ? 'pending-result' : undefined}
    >
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
        refundedFen={result.refundedFen}
        balanceFen={result.balanceFen}
        paidAt={result.paidAt}
        createdAt={result.paidAt ? undefined : result.createdAt}
      />

      {status === 'PENDING' ? (
        <PendingResultActions
          orderId={result.orderId}
          amountYuan={formatFen(result.amountFen).replaceAll(',', '')}
          pollIntervalMs={pollIntervalMs}
        />
      ) : (
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
        </div>
      )}
    </section>
  );
}

function leadText(result: OrderResult): string {
  switch (result.status) {
    case 'PENDING':
      return '我们暂时还没有收到微信支付的结果。如果您已经完成支付，请放心：支付完成后金额仍会到账，无需重复支付。';
    case 'CLOSED':
      return result.reason ?? '订单已关闭，未完成支付。';
    default:
      return result.reason ?? '本次支付未成功，请重新发起支付。';
  }
}
