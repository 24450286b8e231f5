'use client';

import { useActionState } from 'react';
import { endAbnormalAction } from '@/app/admin/actions';
import type { FormState } from '@/lib/admin/actions-schema';
import styles from './admin.module.css';

/** 结束异常退款: for a refund WeChat couldn't pay out and that won't be completed in the merchant portal. */
export function EndAbnormalForm({ refundId }: { refundId: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(endAbnormalAction, null);
  return (
    <form action={action} className={styles.search} aria-label="结束异常退款">
      <input type="hidden" name="refundId" value={refundId} />
      <label className="sr-only" htmlFor={`end-${refundId}`}>
        结束说明
      </label>
      <input
        id={`end-${refundId}`}
        name="note"
        placeholder="说明（如：已线下退款）"
        maxLength={500}
        required
      />
      <button className="button button-secondary" type="submit" disabled={pending}>
        结束并退回余额
      </button>
      <p role="status" aria-live="polite" className={state?.ok ? styles.success : styles.error}>
        {state?.message ?? ''}
      </p>
    </form>
  );
}
