'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { OrderDetails } from '@/components/order-details';
import { fetchOrderStatus, OrderNotFoundError, PollingLimitedError } from '@/lib/api-client/order-status';
import { type CreatedOrder, isFinalStatus } from '@/lib/schemas/order';
import styles from './payment-panel.module.css';

type PaymentTimeoutViewProps = {
  order: CreatedOrder;
  pollIntervalMs: number;
  resultPath: string;
  onRestart: () => void;
};

const RECHECK_ATTEMPTS = 3;

type RecheckState = 'idle' | 'checking' | 'still-pending' | 'failed';

const RECHECK_MESSAGE: Partial<Record<RecheckState, string>> = {
  'still-pending': '暂未查询到支付结果，请稍后再试。',
  failed: '查询失败，请检查网络后重试。',
};

/** The page stopped waiting, not the payment: a payment made now or later is still credited. */
export function PaymentTimeoutView({
  order,
  pollIntervalMs,
  resultPath,
  onRestart,
}: PaymentTimeoutViewProps) {
  const router = useRouter();
  const [recheck, setRecheck] = useState<RecheckState>('idle');
  // The server's own words when it refused the check as too frequent (429).
  const [limitedMessage, setLimitedMessage] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  // The QR code just disappeared from under the payer's eyes: tell assistive tech where they are now.
  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  // A status read is what makes the server ask WeChat (after answering), so one read can't see
  // the answer to the query it triggers: read a few times, at the polling pace.
  async function checkAgain() {
    setRecheck('checking');
    setLimitedMessage(null);
    try {
      for (let attempt = 0; attempt < RECHECK_ATTEMPTS; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
        const view = await fetchOrderStatus(order.orderId);
        if (isFinalStatus(view.status)) {
          router.replace(resultPath);
          return;
        }
      }
      setRecheck('still-pending');
    } catch (error) {
      if (error instanceof PollingLimitedError) setLimitedMessage(error.message);
      setRecheck(error instanceof OrderNotFoundError ? 'still-pending' : 'failed');
    }
  }

  const message = (recheck === 'failed' && limitedMessage) || RECHECK_MESSAGE[recheck];

  return (
    <section className={`card ${styles.panel}`} data-testid="timeout-view" aria-labelledby="timeout-title">
      <div className={styles.timeoutIcon}>
        <svg
          aria-hidden="true"
          width="28"
          height="28"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
        >
          <circle cx="12" cy="12" r="9" />
          <path d="M12 7v5l3 2" strokeLinecap="round" />
        </svg>
      </div>
      <h2 id="timeout-title" ref={headingRef} tabIndex={-1}>
        支付结果尚未确认
      </h2>
      <p className={styles.timeoutText}>
        我们暂时还没有收到微信支付的结果。如果您已经完成支付，请放心：支付完成后金额仍会到账，无需重复支付。
      </p>
      <OrderDetails outTradeNo={order.outTradeNo} />
      {message && (
        <p role="status" className="note">
          {message}
        </p>
      )}
      <div className="button-row">
        <button
          type="button"
          className="button button-primary"
          onClick={checkAgain}
          disabled={recheck === 'checking'}
        >
          {recheck === 'checking' && <span className="spinner" aria-hidden="true" />}
          重新查询
        </button>
        <button type="button" className="button button-secondary" onClick={onRestart}>
          发起新的支付
        </button>
      </div>
      <Link href={resultPath} className={styles.textLink}>
        查看订单详情
      </Link>
    </section>
  );
}
