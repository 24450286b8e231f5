'use client';

import dynamic from 'next/dynamic';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { formatFen } from '@/lib/money';
import type { CreatedOrder } from '@/lib/schemas/order-status';
import { RechargeForm } from './recharge-form';

type RechargeFlowProps = {
  pollIntervalMs: number;
  pageTimeoutMs: number;
  maxFen: number;
  /** The amount the form starts with ('' for none). */
  initialAmountText?: string;
};

// The QR code and the polling (qrcode.react, swr) load when a payment starts, not with the page: the
// page's first load carries only the form. Its loading starts as the amount is confirmed, alongside the
// order's creation, which takes longer (a WeChat Pay call).
const loadPaymentPanel = () => import('./payment-panel');
const PaymentPanel = dynamic(() => loadPaymentPanel().then((module) => module.PaymentPanel), {
  loading: () => (
    <section className="card" aria-busy="true">
      <p role="status" className="muted">
        正在生成支付二维码…
      </p>
    </section>
  ),
});

type Step = { kind: 'form'; amountText: string } | { kind: 'paying'; order: CreatedOrder };

/** The recharge flow in place: pick an amount → scan the QR code → the result page (paid, or not confirmed yet). */
export function RechargeFlow({
  pollIntervalMs,
  pageTimeoutMs,
  maxFen,
  initialAmountText = '',
}: RechargeFlowProps) {
  const router = useRouter();
  const [step, setStep] = useState<Step>({ kind: 'form', amountText: initialAmountText });

  if (step.kind === 'paying') {
    return (
      <PaymentPanel
        key={step.order.orderId}
        order={step.order}
        pollIntervalMs={pollIntervalMs}
        pageTimeoutMs={pageTimeoutMs}
        // Starting over keeps the amount; the remounted form makes a fresh Idempotency-Key for it.
        // The balance is re-read: the abandoned order may have been paid meanwhile.
        onRestart={() => {
          setStep({ kind: 'form', amountText: formatFen(step.order.amountFen).replaceAll(',', '') });
          router.refresh();
        }}
      />
    );
  }
  return (
    <RechargeForm
      maxFen={maxFen}
      initialAmountText={step.amountText}
      onConfirm={() => void loadPaymentPanel()}
      onCreated={(order) => setStep({ kind: 'paying', order })}
    />
  );
}
