// The bill's 退款状态 read as a refund status: what a refund made at WeChat is recorded as when the bill
// is the first we hear of it. v3 names as they are; the older spellings some bills still use mapped to
// theirs; anything else (PROCESSING, an empty cell) is a refund still under way, never a final one.
import { describe, expect, it } from 'vitest';
import { refundStatusOf } from '@/lib/bills/run-bill-reconciliation';

describe("the bill's refund status", () => {
  it('keeps the v3 final statuses', () => {
    expect(refundStatusOf('SUCCESS')).toBe('SUCCESS');
    expect(refundStatusOf('CLOSED')).toBe('CLOSED');
    expect(refundStatusOf('ABNORMAL')).toBe('ABNORMAL');
  });

  it('reads the older spellings: REFUNDCLOSE is closed, CHANGE (paid out elsewhere) abnormal', () => {
    expect(refundStatusOf('REFUNDCLOSE')).toBe('CLOSED');
    expect(refundStatusOf('CHANGE')).toBe('ABNORMAL');
  });

  it('takes anything else for a refund still under way', () => {
    for (const text of ['PROCESSING', '', 'success', 'UNKNOWN']) {
      expect(refundStatusOf(text)).toBe('PROCESSING');
    }
  });
});
