import { QRCodeSVG } from 'qrcode.react';
import { formatYuan } from '@/lib/money';
import type { CreatedOrder, OrderStatus } from '@/lib/schemas/order';
import styles from './payment-panel.module.css';
import { WechatPayIcon } from './wechat-pay-icon';

type PaymentQrProps = {
  order: CreatedOrder;
  remainingMs: number;
  pageTimeoutMs: number;
  finalStatus: OrderStatus | null;
  connectionTrouble: boolean;
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
  connectionTrouble,
  onCancel,
}: PaymentQrProps) {
  const seconds = Math.ceil(remainingMs / 1000);
  const expiresAt = formatClockTime(order.expiresAt);

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

      {connectionTrouble && !finalStatus && (
        <p role="status" className="note">
          网络不稳定，正在重试查询支付结果…
        </p>
      )}

      <dl className="detail-list">
        <div>
          <dt>订单号</dt>
          <dd className="mono" data-testid="order-number">
            {order.outTradeNo}
          </dd>
        </div>
        {expiresAt && (
          <div>
            <dt>二维码有效期至</dt>
            <dd>{expiresAt}</dd>
          </div>
        )}
      </dl>

      <button type="button" className="button button-secondary" onClick={onCancel}>
        取消，返回修改金额
      </button>
    </section>
  );
}

/** "14:05:09" in the payer's own time zone; null if the server sent something unreadable. */
function formatClockTime(iso: string): string | null {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return date.toLocaleTimeString('zh-CN', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}
