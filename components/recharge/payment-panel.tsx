'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import useSWR from 'swr';
import { fetchOrderStatus, OrderNotFoundError, pollTroubleMessage } from '@/lib/api-client/order-status';
import { rechargeResultPath } from '@/lib/api-client/paths';
import {
  type CreatedOrder,
  isFinalStatus,
  type OrderStatus,
  type OrderStatusView,
} from '@/lib/schemas/order-status';
import { PaymentQr } from './payment-qr';
import { useCountdown } from './use-countdown';

type PaymentPanelProps = {
  order: CreatedOrder;
  pollIntervalMs: number;
  pageTimeoutMs: number;
  /** Back to the amount form (cancel). */
  onRestart: () => void;
};

/**
 * Shows the QR code and polls the order until it is final, then hands over to the result page. If
 * nothing final arrives within `pageTimeoutMs`, it hands over to the result page all the same, which
 * says the result isn't confirmed yet and keeps checking: the payment may still land later (WeChat's
 * notification or the server's own query settles it), so that is not an error.
 */
export function PaymentPanel({ order, pollIntervalMs, pageTimeoutMs, onRestart }: PaymentPanelProps) {
  const router = useRouter();
  const [deadline] = useState(() => Date.now() + pageTimeoutMs);
  const remainingMs = useCountdown(deadline);
  const timedOut = remainingMs === 0;
  const resultPath = rechargeResultPath(order.orderId);
  // Latched: once final, polling stops (the key goes null and SWR falls back to the PENDING seed),
  // and the countdown running out during the navigation must not flash the timeout view.
  const [settled, setSettled] = useState<OrderStatus | null>(null);

  const { data, error } = useSWR<OrderStatusView, Error>(
    timedOut || settled ? null : order.orderId,
    fetchOrderStatus,
    {
      // A plain number on purpose: SWR restarts its timer whenever this option changes identity, and
      // the countdown re-renders this component four times a second. Polling stops via the null key.
      refreshInterval: pollIntervalMs,
      // Below the interval: SWR's default deduping window (2 s) swallowed the first tick after the
      // first poll, so the second poll came after twice the interval.
      dedupingInterval: Math.floor(pollIntervalMs / 2),
      fallbackData: order.status,
      revalidateOnFocus: false,
      shouldRetryOnError: (err) => !(err instanceof OrderNotFoundError),
      // SWR pauses refreshInterval while an error is set and backs off from 5 s: one Redis blip
      // would eat a third of the page's wait. Retry at the polling pace instead.
      errorRetryInterval: pollIntervalMs,
    },
  );
  const polledFinal = data && isFinalStatus(data.status) ? data.status : null;
  const finalStatus = settled ?? polledFinal;

  // Final, or the page's wait is over: the result page takes over (replacing this step, so that Back
  // leaves the flow rather than returning to a QR code that is over).
  useEffect(() => {
    if (!polledFinal && !timedOut) return;
    if (polledFinal) setSettled(polledFinal);
    router.replace(resultPath);
  }, [polledFinal, timedOut, resultPath, router]);

  if (error instanceof OrderNotFoundError) {
    return (
      <section className="card">
        <p role="alert" className="alert">
          未找到该订单，请重新发起支付。
        </p>
        <div className="button-row" style={{ marginTop: 16 }}>
          <button type="button" className="button button-primary" onClick={onRestart}>
            发起新的支付
          </button>
        </div>
      </section>
    );
  }

  return (
    <PaymentQr
      order={order}
      remainingMs={remainingMs}
      pageTimeoutMs={pageTimeoutMs}
      finalStatus={finalStatus}
      pollTrouble={error ? pollTroubleMessage(error) : null}
      onCancel={onRestart}
    />
  );
}
