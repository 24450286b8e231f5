'use client';

import { useActionState } from 'react';
import { refundAction } from '@/app/admin/actions';
import type { FormState } from '@/lib/admin/actions-schema';
import styles from './admin.module.css';

/**
 * 发起退款: amount (defaulting to what can still be refunded) and a reason. The key is made by the
 * page for this form: a double click or a resubmission makes one refund; the page makes a new one
 * after each refund.
 */
export function RefundForm({
  outTradeNo,
  refundableYuan,
  formKey,
}: {
  outTradeNo: string;
  refundableYuan: string;
  formKey: string;
}) {
  const [state, action, pending] = useActionState<FormState, FormData>(refundAction, null);
  return (
    <form action={action} className={styles.form} aria-label="发起退款">
      <input type="hidden" name="outTradeNo" value={outTradeNo} />
      <input type="hidden" name="idempotencyKey" value={formKey} />
      <div className={styles.field}>
        <label htmlFor="refund-amount">退款金额（元）</label>
        <input
          id="refund-amount"
          name="amountYuan"
          inputMode="decimal"
          defaultValue={refundableYuan}
          key={formKey}
          required
          autoComplete="off"
        />
      </div>
      <div className={styles.field}>
        <label htmlFor="refund-reason">退款原因（可选，会显示给用户）</label>
        <input id="refund-reason" name="reason" maxLength={80} key={`${formKey}-reason`} autoComplete="off" />
      </div>
      <button className="button button-primary" type="submit" disabled={pending}>
        {pending ? '提交中…' : '确认退款'}
      </button>
      <p role="status" aria-live="polite" className={state?.ok ? styles.success : styles.error}>
        {state?.message ?? ''}
      </p>
    </form>
  );
}
