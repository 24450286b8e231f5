import { describe, expect, it } from 'vitest';
import {
  beijingDateOf,
  beijingDayRange,
  beijingHour,
  parseBillDate,
  previousBeijingDay,
  whyNotReconcilable,
} from '@/lib/bills/bill-date';
import { compareDay, type OurOrder, type OurRefund } from '@/lib/bills/compare';
import type { TradeBillRow } from '@/lib/wechat-pay';

function row(overrides: Partial<TradeBillRow>): TradeBillRow {
  return {
    tradeTime: new Date('2026-12-01T02:00:00Z'),
    appid: 'wx1',
    mchid: '1900000001',
    subMchid: '0',
    deviceInfo: '',
    transactionId: '4200000001',
    outTradeNo: 'RC1',
    openid: 'o1',
    tradeType: 'NATIVE',
    tradeState: 'SUCCESS',
    bankType: 'OTHERS',
    currency: 'CNY',
    settlementTotalFen: 1000,
    couponFen: 0,
    refundId: '0',
    outRefundNo: '0',
    refundFen: 0,
    couponRefundFen: 0,
    refundType: '',
    refundStatus: '',
    body: '充值',
    attach: '',
    feeFen: 6,
    rate: '0.60%',
    orderAmountFen: 1000,
    requestedRefundFen: 0,
    rateNote: '',
    ...overrides,
  };
}

function order(overrides: Partial<OurOrder>): OurOrder {
  return {
    outTradeNo: 'RC1',
    status: 'PAID',
    amountFen: 1000,
    transactionId: '4200000001',
    ledgerFen: 1000,
    paidOnDay: true,
    ...overrides,
  };
}

function refund(overrides: Partial<OurRefund>): OurRefund {
  return {
    outRefundNo: 'RF1',
    outTradeNo: 'RC1',
    status: 'SUCCESS',
    amountFen: 300,
    held: true,
    ledgerFen: 300,
    onDay: true,
    ...overrides,
  };
}

const refundRow = (o: Partial<TradeBillRow> = {}) =>
  row({
    tradeState: 'REFUND',
    refundId: '5000001',
    outRefundNo: 'RF1',
    refundFen: 300,
    requestedRefundFen: 300,
    refundStatus: 'SUCCESS',
    settlementTotalFen: 0,
    feeFen: -2,
    ...o,
  });

const maps = (orders: OurOrder[], refunds: OurRefund[] = []) =>
  [new Map(orders.map((o) => [o.outTradeNo, o])), new Map(refunds.map((r) => [r.outRefundNo, r]))] as const;

describe('compareDay', () => {
  it('finds nothing when the three sides agree, and totals each side', () => {
    const { differences, totals } = compareDay(
      { rows: [row({}), refundRow()] },
      ...maps([order({})], [refund({})]),
    );
    expect(differences).toEqual([]);
    expect(totals).toEqual({
      wechatPaidCount: 1,
      wechatPaidFen: 1000,
      wechatRefundCount: 1,
      wechatRefundFen: 300,
      ourPaidCount: 1,
      ourPaidFen: 1000,
      ourRefundCount: 1,
      ourRefundFen: 300,
      ledgerPaidFen: 1000,
      ledgerRefundFen: 300,
    });
  });

  it('reports a payment WeChat took that is not credited here, with the bill line to credit it from', () => {
    const line = row({});
    const { differences } = compareDay(
      { rows: [line] },
      ...maps([order({ status: 'CLOSED', ledgerFen: null, paidOnDay: false })]),
    );
    expect(differences).toEqual([
      {
        kind: 'PAID_NOT_CREDITED',
        reference: 'RC1',
        outTradeNo: 'RC1',
        details: { wechatAmountFen: 1000, transactionId: '4200000001', ourStatus: 'CLOSED' },
        row: line,
      },
    ]);
  });

  it('reports an unknown order, an amount difference and a credit missing from the bill', () => {
    const { differences } = compareDay(
      { rows: [row({ outTradeNo: 'RCX' }), row({ outTradeNo: 'RC2', orderAmountFen: 999 })] },
      ...maps([order({ outTradeNo: 'RC2' }), order({ outTradeNo: 'RC3' })]),
    );
    expect(differences.map((d) => [d.kind, d.reference])).toEqual([
      ['UNKNOWN_ORDER', 'RCX'],
      ['AMOUNT_MISMATCH', 'RC2'],
      ['CREDITED_NOT_IN_BILL', 'RC3'],
    ]);
  });

  it('does not expect in the bill an order paid on another day', () => {
    const { differences } = compareDay({ rows: [] }, ...maps([order({ paidOnDay: false })]));
    expect(differences).toEqual([]);
  });

  it('reports refunds on one side only, amount differences, and a ledger that disagrees', () => {
    const { differences } = compareDay(
      {
        rows: [
          row({}),
          refundRow({ outRefundNo: 'RFX' }),
          refundRow({ outRefundNo: 'RF2', requestedRefundFen: 200 }),
        ],
      },
      ...maps(
        [order({ ledgerFen: 900 })],
        [
          refund({ outRefundNo: 'RF2' }),
          refund({ outRefundNo: 'RF3' }),
          refund({ outRefundNo: 'RF4', onDay: false, ledgerFen: null }),
        ],
      ),
    );
    expect(differences.map((d) => [d.kind, d.reference])).toEqual([
      ['LEDGER_MISMATCH', 'RC1'],
      ['REFUND_NOT_RECORDED', 'RFX'],
      ['REFUND_AMOUNT_MISMATCH', 'RF2'],
      ['REFUND_NOT_IN_BILL', 'RF3'],
      ['LEDGER_MISMATCH', 'RF4'],
    ]);
  });

  it('expects no ledger entry of a refund that holds nothing (unheld, or given back)', () => {
    const { differences } = compareDay(
      { rows: [] },
      ...maps(
        [],
        [
          refund({ held: false, ledgerFen: null, onDay: false }),
          refund({ outRefundNo: 'RF9', status: 'CLOSED', ledgerFen: 300, onDay: true }),
        ],
      ),
    );
    expect(differences).toEqual([]);
  });
});

describe('compareDay, where money may have moved twice', () => {
  it.each(['REJECTED', 'CLOSED'])(
    'reports a refund WeChat paid out that is %s here (its hold given back)',
    (status) => {
      const { differences } = compareDay(
        { rows: [row({}), refundRow()] },
        ...maps([order({})], [refund({ status, ledgerFen: 300 })]),
      );
      expect(differences.map((d) => [d.kind, d.reference, d.details.ourStatus])).toEqual([
        ['REFUND_STATUS_MISMATCH', 'RF1', status],
      ]);
    },
  );

  it('does not report a refund WeChat still pays out that is ABNORMAL or under way here', () => {
    for (const status of ['ABNORMAL', 'PROCESSING', 'REQUESTED']) {
      const { differences } = compareDay(
        { rows: [row({}), refundRow()] },
        ...maps([order({})], [refund({ status })]),
      );
      expect(differences).toEqual([]);
    }
  });

  it('reports a payment credited here to another transaction than the bill names', () => {
    const { differences } = compareDay(
      { rows: [row({})] },
      ...maps([order({ transactionId: '4200000009' })]),
    );
    expect(differences).toEqual([
      {
        kind: 'TRANSACTION_MISMATCH',
        reference: 'RC1',
        outTradeNo: 'RC1',
        details: { wechatAmountFen: 1000, transactionId: '4200000001', ourTransactionId: '4200000009' },
      },
    ]);
  });
});

describe('bill dates (Beijing days)', () => {
  it('accepts real dates only', () => {
    expect(parseBillDate('2026-12-01')).toBe('2026-12-01');
    expect(parseBillDate('2026-02-30')).toBeNull();
    expect(parseBillDate('2026-12-1')).toBeNull();
    expect(parseBillDate(' 2026-12-01')).toBeNull();
  });

  it('covers the Beijing day: from 16:00 UTC the day before', () => {
    const { start, end } = beijingDayRange('2026-12-01');
    expect(start.toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(end.toISOString()).toBe('2026-12-01T16:00:00.000Z');
    expect(beijingDateOf(new Date('2026-11-30T16:00:00Z'))).toBe('2026-12-01');
    expect(beijingDateOf(new Date('2026-11-30T15:59:59Z'))).toBe('2026-11-30');
  });

  it('reconciles days from three months ago up to today, not the future', () => {
    const now = new Date('2026-12-02T02:00:00Z');
    expect(whyNotReconcilable('2026-12-02', now)).toBeNull();
    expect(whyNotReconcilable('2026-09-03', now)).toBeNull();
    expect(whyNotReconcilable('2026-12-03', now)).toBe('不能核对未来的日期');
    expect(whyNotReconcilable('2026-09-02', now)).toBe('微信支付只保留三个月内的账单（2026-09-03 起）');
  });

  it('names yesterday and the hour in Beijing', () => {
    expect(previousBeijingDay(new Date('2026-12-02T02:00:00Z'))).toBe('2026-12-01');
    expect(previousBeijingDay(new Date('2026-12-01T17:00:00Z'))).toBe('2026-12-01');
    expect(beijingHour(new Date('2026-12-02T02:00:00Z'))).toBe(10);
    expect(beijingHour(new Date('2026-12-02T01:59:59Z'))).toBe(9);
  });
});
