'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import useSWR from 'swr';
import { fetchOrderStatus, OrderNotFoundError, PollingLimitedError } from '@/lib/api-client/order-status';
import { isFinalStatus } from '@/lib/schemas/order-status';

const RECHECK_ATTEMPTS = 3;

type RecheckState = 'idle' | 'checking' | 'still-pending' | 'failed';

const RECHECK_MESSAGE: Partial<Record<RecheckState, string>> = {
  'still-pending': '暂未查询到支付结果，请稍后再试。',
  failed: '查询失败，请检查网络后重试。',
};

/**
 * The result page of an order whose payment isn't confirmed yet (the payment page stopped waiting,
 * or the person came back to it): it keeps checking quietly at the polling pace and re-renders the
 * page once the order is final, and offers 重新查询 (check now) and 发起新的支付 (back to the form,
 * same amount). Polling ends by itself when the order ends: the server closes it at expiry.
 */
export function PendingResultActions({
  orderId,
  amountYuan,
  pollIntervalMs,
}: {
  orderId: string;
  /** The amount as the form takes it ("0.01"), for 发起新的支付. */
  amountYuan: string;
  pollIntervalMs: number;
}) {
  const router = useRouter();
  const [final, setFinal] = useState(false);
  const [recheck, setRecheck] = useState<RecheckState>('idle');
  // The server's own words when it refused the check as too frequent (429).
  const [limitedMessage, setLimitedMessage] = useState<string | null>(null);

  const { data } = useSWR(final ? null : orderId, fetchOrderStatus, {
    refreshInterval: pollIntervalMs,
    // Below the interval: SWR's default (2 s) would drop every other tick at a 2 s pace.
    dedupingInterval: Math.floor(pollIntervalMs / 2),
    revalidateOnFocus: false,
  });

  useEffect(() => {
    if (!data || !isFinalStatus(data.status)) return;
    setFinal(true);
    router.refresh();
  }, [data, router]);

  // A status read is what makes the server ask WeChat (after answering), so one read can't see the
  // answer to the query it triggers: read a few times, at the polling pace.
  async function checkAgain() {
    setRecheck('checking');
    setLimitedMessage(null);
    try {
      for (let attempt = 0; attempt < RECHECK_ATTEMPTS; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
        const view = await fetchOrderStatus(orderId);
        if (isFinalStatus(view.status)) {
          setFinal(true);
          router.refresh();
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
    <>
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
        <Link href={`/?amount=${encodeURIComponent(amountYuan)}`} className="button button-secondary">
          发起新的支付
        </Link>
      </div>
    </>
  );
}
