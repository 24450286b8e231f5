import { formatChinaDateTime } from '@/lib/china-time';
import { formatYuan } from '@/lib/money';

type OrderDetailsProps = {
  outTradeNo: string;
  /** Left out where the amount is already the page's headline. */
  amountFen?: number;
  balanceFen?: bigint;
  paidAt?: Date;
  createdAt?: Date;
  /** ISO instant from the server; shown as a clock time in the payer's own time zone. */
  qrExpiresAt?: string;
};

/**
 * The facts about one order that the payer may need for support, always in the same order and
 * the same shape: on the QR code, on the timeout note and on the result page. Rows without a value
 * are left out.
 */
export function OrderDetails({
  outTradeNo,
  amountFen,
  balanceFen,
  paidAt,
  createdAt,
  qrExpiresAt,
}: OrderDetailsProps) {
  const expiresAt = qrExpiresAt === undefined ? null : formatClockTime(qrExpiresAt);
  return (
    <dl className="detail-list">
      {amountFen !== undefined && <Row label="订单金额">{formatYuan(amountFen)}</Row>}
      {balanceFen !== undefined && (
        <Row label="当前余额" testId="balance">
          {formatYuan(balanceFen)}
        </Row>
      )}
      <Row label="订单号" testId="order-number" mono>
        {outTradeNo}
      </Row>
      {paidAt && <Row label="支付时间">{formatChinaDateTime(paidAt)}</Row>}
      {createdAt && <Row label="创建时间">{formatChinaDateTime(createdAt)}</Row>}
      {expiresAt && <Row label="二维码有效期至">{expiresAt}</Row>}
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
