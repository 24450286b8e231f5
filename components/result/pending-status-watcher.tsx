'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import useSWR from 'swr';
import { fetchOrderStatus } from '@/lib/api-client/order-status';
import { isFinalStatus } from '@/lib/schemas/order';

/**
 * Keeps a PENDING result page up to date: polls the status route (which also has the server query
 * WeChat for orders left open) and re-renders the page once the order is final. Polling ends on its
 * own by the time the QR code expires, when the order is closed at the latest; hidden tabs don't poll.
 */
export function PendingStatusWatcher({
  orderId,
  pollIntervalMs,
}: {
  orderId: string;
  pollIntervalMs: number;
}) {
  const router = useRouter();
  const [final, setFinal] = useState(false);
  const { data } = useSWR(final ? null : orderId, fetchOrderStatus, {
    refreshInterval: pollIntervalMs,
    revalidateOnFocus: false,
  });

  useEffect(() => {
    if (!data || !isFinalStatus(data.status)) return;
    setFinal(true);
    router.refresh();
  }, [data, router]);

  return null;
}
