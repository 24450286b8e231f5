'use client';

import { useActionState } from 'react';
import { billRunAction } from '@/app/admin/actions';
import type { FormState } from '@/lib/admin/actions-schema';
import styles from './admin.module.css';

/** 立即对账: one Beijing day, now (the schedule does yesterday's after 10:00). */
export function BillRunForm({ defaultDate }: { defaultDate: string }) {
  const [state, action, pending] = useActionState<FormState, FormData>(billRunAction, null);
  return (
    <form action={action} className={styles.search} aria-label="立即对账">
      <label htmlFor="bill-date">账单日期（北京时间）</label>
      <input id="bill-date" name="billDate" type="date" defaultValue={defaultDate} required />
      <button className="button button-primary" type="submit" disabled={pending}>
        {pending ? '对账中…' : '立即对账'}
      </button>
      <p role="status" aria-live="polite" className={state?.ok ? styles.success : styles.error}>
        {state?.message ?? ''}
      </p>
    </form>
  );
}
