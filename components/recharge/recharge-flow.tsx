'use client';

import dynamic from 'next/dynamic';
import { useRouter } from 'next/navigation';
import { Component, type ReactNode, useState } from 'react';
import { rechargeResultPath } from '@/lib/api-client/paths';
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

/**
 * The panel's code failed to load (a deploy replaced it since this page loaded, or the network
 * dropped): the order exists, so go to its result page with a full load, which brings the current
 * code, says the payment isn't confirmed yet, keeps checking and offers a new payment.
 */
class PanelLoadFailure extends Component<{ orderId: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(): void {
    window.location.assign(rechargeResultPath(this.props.orderId));
  }

  override render(): ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}

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
      <PanelLoadFailure key={step.order.orderId} orderId={step.order.orderId}>
        <PaymentPanel
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
      </PanelLoadFailure>
    );
  }
  return (
    <RechargeForm
      maxFen={maxFen}
      initialAmountText={step.amountText}
      // Only a head start: a failure shows when the panel renders (PanelLoadFailure).
      onConfirm={() => void loadPaymentPanel().catch(() => {})}
      onCreated={(order) => setStep({ kind: 'paying', order })}
    />
  );
}
