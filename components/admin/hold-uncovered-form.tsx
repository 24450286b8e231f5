'use client';

import { useActionState } from 'react';
import { holdUncoveredAction } from '@/app/admin/actions';
import type { FormState } from '@/lib/admin/actions-schema';
import styles from './admin.module.css';

/** 从余额补扣: a refund made at WeChat that the balance couldn't cover when it was recorded. */
export function HoldUncoveredForm({ refundId }: { refundId: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(holdUncoveredAction, null);
  return (
    <form action={action} aria-label="从余额补扣">
      <input type="hidden" name="refundId" value={refundId} />
      <button className="button button-secondary" type="submit" disabled={pending}>
        从余额补扣
      </button>
      <p role="status" aria-live="polite" className={state?.ok ? styles.success : styles.error}>
        {state?.message ?? ''}
      </p>
    </form>
  );
}
