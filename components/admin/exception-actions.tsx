'use client';

import { useActionState } from 'react';
import { creditAfterCheckAction, resolveExceptionAction } from '@/app/admin/actions';
import type { FormState } from '@/lib/admin/actions-schema';
import styles from './admin.module.css';

/** What fits an open exception: ask WeChat again and credit if paid (where that can apply), or resolve with a note. */
export function ExceptionActions({ exceptionId, creditable }: { exceptionId: string; creditable: boolean }) {
  const [resolved, resolve, resolving] = useActionState<FormState, FormData>(resolveExceptionAction, null);
  const [credited, credit, crediting] = useActionState<FormState, FormData>(creditAfterCheckAction, null);
  const state = credited ?? resolved;
  return (
    <div className={styles.form}>
      {creditable && (
        <form action={credit}>
          <input type="hidden" name="exceptionId" value={exceptionId} />
          <button className="button button-secondary" type="submit" disabled={crediting}>
            向微信支付核实并入账
          </button>
        </form>
      )}
      <form action={resolve} className={styles.search}>
        <input type="hidden" name="exceptionId" value={exceptionId} />
        <label className="sr-only" htmlFor={`note-${exceptionId}`}>
          处理说明
        </label>
        <input id={`note-${exceptionId}`} name="note" placeholder="处理说明" maxLength={500} required />
        <button className="button button-secondary" type="submit" disabled={resolving}>
          标记为已处理
        </button>
      </form>
      <p role="status" aria-live="polite" className={state?.ok ? styles.success : styles.error}>
        {state?.message ?? ''}
      </p>
    </div>
  );
}
