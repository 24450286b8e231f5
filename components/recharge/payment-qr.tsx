import { QRCodeSVG } from 'qrcode.react';
import { OrderDetails } from '@/components/order-details';
import { formatYuan } from '@/lib/money';
import type { CreatedOrder, OrderStatus } from '@/lib/schemas/order-status';
import styles from './payment-panel.module.css';
import { WechatPayIcon } from './wechat-pay-icon';

type PaymentQrProps = {
  order: CreatedOrder;
  remainingMs: number;
  pageTimeoutMs: number;
  finalStatus: OrderStatus | null;
  /** Why the last poll failed, as the payer should read it (null when it didn't). */
  pollTrouble: string | null;
  onCancel: () => void;
};

const SETTLED_TEXT: Record<OrderStatus, string> = {
  PAID: '支付成功，正在跳转…',
  FAILED: '支付未完成，正在跳转…',
  CLOSED: '订单已关闭，正在跳转…',
  PENDING: '',
};

export function PaymentQr({
  order,
  remainingMs,
  pageTimeoutMs,
  finalStatus,
  pollTrouble,
  onCancel,
}: PaymentQrProps) {
  const seconds = Math.ceil(remainingMs / 1000);

  return (
    <section className={`card ${styles.panel}`} aria-labelledby="payment-qr-title">
      <header className={styles.header}>
        <WechatPayIcon size={24} />
        <h2 id="payment-qr-title">微信扫码支付</h2>
      </header>
      <p className={styles.amount}>{formatYuan(order.amountFen)}</p>

      <div className={styles.qrFrame}>
        {/* Black on white with a 4-module quiet zone: what phones (and the e2e decoder) read best. */}
        <div data-testid="payment-qr" className={styles.qr}>
          <QRCodeSVG
            value={order.codeUrl}
            size={220}
            level="M"
            marginSize={4}
            bgColor="#ffffff"
            fgColor="#000000"
            title="微信支付二维码"
          />
        </div>
      </div>
      <p className={styles.scanHint}>请使用微信扫一扫完成支付</p>

      {finalStatus ? (
        <p role="status" className={styles.settled}>
          {SETTLED_TEXT[finalStatus]}
        </p>
      ) : (
        <div className={styles.countdown}>
          <p>
            正在等待支付结果…{' '}
            <span data-testid="countdown" role="timer" className={styles.seconds}>
              {seconds} 秒
            </span>
          </p>
          <div className={styles.track} aria-hidden="true">
            <div className={styles.bar} style={{ width: `${(remainingMs / pageTimeoutMs) * 100}%` }} />
          </div>
        </div>
      )}

      {pollTrouble && !finalStatus && (
        <p role="status" className="note">
          {pollTrouble}
        </p>
      )}

      <OrderDetails outTradeNo={order.outTradeNo} qrExpiresAt={order.expiresAt} />

      <button type="button" className="button button-secondary" onClick={onCancel}>
        取消，返回修改金额
      </button>
    </section>
  );
}
