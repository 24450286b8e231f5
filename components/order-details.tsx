import { formatChinaClock, formatChinaDateTime } from '@/lib/china-time';
import { formatYuan } from '@/lib/money';

type OrderDetailsProps = {
  outTradeNo: string;
  /** Left out where the amount is already the page's headline. */
  amountFen?: number;
  /** What refunds took of it; shown when some did. */
  refundedFen?: number;
  balanceFen?: bigint;
  paidAt?: Date;
  createdAt?: Date;
  /** ISO instant from the server; shown as a clock time in Beijing time, as every time the payer sees. */
  qrExpiresAt?: string;
};

/**
 * The facts about one order that the payer may need for support, always in the same order and
 * the same shape: on the QR code and on the result page. Rows without a value are left out. Times are
 * Beijing time wherever the browser is (WeChat's receipts and our support use it), and say so.
 */
export function OrderDetails({
  outTradeNo,
  amountFen,
  refundedFen,
  balanceFen,
  paidAt,
  createdAt,
  qrExpiresAt,
}: OrderDetailsProps) {
  const expiresAt = qrExpiresAt === undefined ? null : formatClockTime(qrExpiresAt);
  return (
    <dl className="detail-list">
      {amountFen !== undefined && <Row label="订单金额">{formatYuan(amountFen)}</Row>}
      {refundedFen !== undefined && refundedFen > 0 && (
        <Row label="已退款" testId="refunded-amount">
          {formatYuan(refundedFen)}
        </Row>
      )}
      {balanceFen !== undefined && (
        <Row label="当前余额" testId="balance">
          {formatYuan(balanceFen)}
        </Row>
      )}
      <Row label="订单号" testId="order-number" mono>
        {outTradeNo}
      </Row>
      {paidAt && <Row label="支付时间（北京时间）">{formatChinaDateTime(paidAt)}</Row>}
      {createdAt && <Row label="创建时间（北京时间）">{formatChinaDateTime(createdAt)}</Row>}
      {expiresAt && <Row label="二维码有效期至（北京时间）">{expiresAt}</Row>}
    </dl>
  );
}

function Row({
  label,
  children,
  testId,
  mono = false,
}: {
  label: string;
  children: string;
  testId?: string;
  mono?: boolean;
}) {
  return (
    <div>
      <dt>{label}</dt>
      <dd className={mono ? 'mono' : undefined} data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

/** "14:05:09" in Beijing time; null if the server sent something unreadable. */
function formatClockTime(iso: string): string | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : formatChinaClock(date);
}
