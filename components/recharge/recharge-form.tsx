'use client';

import { type FormEvent, useRef, useState } from 'react';
import { createOrder } from '@/lib/api-client/create-order';
import { formatYuan } from '@/lib/money';
import type { CreatedOrder } from '@/lib/schemas/order-status';
import { AmountPicker } from './amount-picker';
import { newIdempotencyKey } from './new-idempotency-key';
import { PaymentMethodPicker } from './payment-method-picker';
import styles from './recharge-form.module.css';
import { validateAmount } from './validate-amount';

type RechargeFormProps = {
  maxFen: number;
  initialAmountText?: string;
  /** A valid amount is being confirmed: what comes next may start loading. */
  onConfirm?: () => void;
  onCreated: (order: CreatedOrder) => void;
};

export function RechargeForm({ maxFen, initialAmountText = '', onConfirm, onCreated }: RechargeFormProps) {
  const [amountText, setAmountText] = useState(initialAmountText);
  const [showAmountError, setShowAmountError] = useState(false);
  const [serverAmountError, setServerAmountError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  // A ref, not state: two clicks in the same frame both see `submitting === false`.
  const inFlight = useRef(false);
  // The attempt whose outcome we don't know yet (network error, 5xx). Confirming the same amount
  // again retries it with the same Idempotency-Key, so the server hands back the order it may have
  // created instead of creating a second one.
  const pendingAttempt = useRef<{ key: string; amountFen: number } | null>(null);

  const check = validateAmount(amountText, maxFen);
  const amountError = serverAmountError ?? (showAmountError && !check.ok ? check.message : undefined);

  function changeAmount(text: string) {
    setAmountText(text);
    setServerAmountError(null);
    setFormError(null);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (inFlight.current) return;
    setShowAmountError(true);
    setFormError(null);
    if (!check.ok) {
      inputRef.current?.focus();
      return;
    }

    const previous = pendingAttempt.current;
    const attempt =
      previous?.amountFen === check.amountFen
        ? previous
        : { key: newIdempotencyKey(), amountFen: check.amountFen };
    pendingAttempt.current = attempt;
    inFlight.current = true;
    setSubmitting(true);
    onConfirm?.();

    const outcome = await createOrder(attempt.amountFen, attempt.key);

    // Any definite answer ends the attempt; only an unknown one may be retried under the same key.
    if (outcome.kind !== 'unknown') pendingAttempt.current = null;
    inFlight.current = false;
    setSubmitting(false);
    switch (outcome.kind) {
      case 'created':
        onCreated(outcome.order);
        return;
      case 'invalid':
        setServerAmountError(outcome.message);
        inputRef.current?.focus();
        return;
      default:
        setFormError(outcome.message);
    }
  }

  return (
    <form className={`card ${styles.form}`} onSubmit={submit} noValidate>
      <PaymentMethodPicker />
      <AmountPicker
        value={amountText}
        onChange={changeAmount}
        onBlur={() => {
          // Leaving the field empty is not a mistake yet; confirming with it empty is.
          if (amountText.trim() !== '') setShowAmountError(true);
        }}
        error={amountError}
        maxFen={maxFen}
        inputRef={inputRef}
      />
      <div className={styles.summary}>
        <span>应付金额</span>
        <strong className={styles.summaryAmount}>{check.ok ? formatYuan(check.amountFen) : '—'}</strong>
      </div>
      {formError && (
        <p role="alert" className="alert">
          {formError}
        </p>
      )}
      <button type="submit" className="button button-primary button-block" disabled={submitting}>
        {submitting && <span className="spinner" aria-hidden="true" />}
        确认支付
      </button>
      <p className={styles.footnote}>单笔充值最高 {formatYuan(maxFen)}</p>
    </form>
  );
}
