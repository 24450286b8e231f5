import type { ReactNode } from 'react';
import type { OrderStatus } from '@/lib/schemas/order-status';
import styles from './recharge-result.module.css';

const PATHS: Record<OrderStatus, ReactNode> = {
  PAID: <path d="m7 12.5 3.2 3.2L17 9" />,
  FAILED: <path d="m8.5 8.5 7 7m0-7-7 7" />,
  CLOSED: <path d="M8 12h8" />,
  PENDING: (
    <>
      <circle cx="12" cy="12" r="6.5" />
      <path d="M12 8.5V12l2.3 1.6" />
    </>
  ),
};

/** A round badge whose colour and glyph say the outcome at a glance; the heading says it in words. */
export function ResultIcon({ status }: { status: OrderStatus }) {
  return (
    <div className={styles.icon} data-status={status}>
      <svg
        aria-hidden="true"
        width="36"
        height="36"
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth="2.2"
        strokeLinecap="round"
        strokeLinejoin="round"
      >
        {PATHS[status]}
      </svg>
    </div>
  );
}
