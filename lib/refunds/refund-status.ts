import type { RefundStatus } from '../generated/prisma/client';

// Where a refund stands (see the Refund model). Final: nothing changes it any more (a trigger keeps it
// so). Returned: final, and the hold went back to the balance. ABNORMAL is neither: WeChat couldn't pay
// it out, and it may still succeed (completed in the merchant portal) or be ended by an operator.

const FINAL: ReadonlySet<RefundStatus> = new Set(['SUCCESS', 'CLOSED', 'REJECTED']);
const RETURNED: ReadonlySet<RefundStatus> = new Set(['CLOSED', 'REJECTED']);

export function isFinalRefundStatus(status: RefundStatus): boolean {
  return FINAL.has(status);
}

export function returnsHold(status: RefundStatus): boolean {
  return RETURNED.has(status);
}

/** For people: the console and the payer's history. */
export const REFUND_STATUS_LABELS: Record<RefundStatus, string> = {
  REQUESTED: '已申请',
  PROCESSING: '退款中',
  SUCCESS: '已退款',
  CLOSED: '退款关闭',
  ABNORMAL: '退款异常（待处理）',
  REJECTED: '退款被拒绝',
};
