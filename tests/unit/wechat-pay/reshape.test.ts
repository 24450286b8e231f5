import { describe, expect, it } from 'vitest';
import { formatChinaTime } from '@/lib/china-time';
import { mapTradeState, reshapeTransaction } from '@/lib/wechat-pay/reshape';
import type { PaymentStatus, TradeState } from '@/lib/wechat-pay/types';
import { transactionSchema } from '@/lib/wechat-pay/wire';

describe('mapTradeState', () => {
  it.each<[TradeState, PaymentStatus]>([
    ['SUCCESS', 'PAID'],
    ['REFUND', 'PAID'],
    ['NOTPAY', 'PENDING'],
    ['USERPAYING', 'PENDING'],
    ['PAYERROR', 'FAILED'],
    ['REVOKED', 'FAILED'],
    ['CLOSED', 'CLOSED'],
  ])('maps trade_state %s to %s', (tradeState, status) => {
    expect(mapTradeState(tradeState)).toBe(status);
  });
});

describe('reshapeTransaction', () => {
  const wire = transactionSchema.parse({
    appid: 'wxd678efh567hg6787',
    mchid: '1230000109',
    out_trade_no: 'R20261125ABC123',
    transaction_id: '',
    trade_state: 'NOTPAY',
    attach: '',
    payer: null,
    amount: { total: 100, payer_total: null },
  });

  it('turns empty strings and nulls from the wire into absent fields', () => {
    expect(reshapeTransaction(wire)).toEqual({
      outTradeNo: 'R20261125ABC123',
      transactionId: undefined,
      status: 'PENDING',
      tradeState: 'NOTPAY',
      amountFen: 100,
      payerTotalFen: undefined,
      mchid: '1230000109',
      appid: 'wxd678efh567hg6787',
      successTime: undefined,
      attach: undefined,
    });
  });

  it('parses success_time with its +08:00 offset into an instant', () => {
    const paid = transactionSchema.parse({
      ...wire,
      trade_state: 'SUCCESS',
      success_time: '2026-11-25T00:30:00+08:00',
    });
    expect(reshapeTransaction(paid).successTime?.toISOString()).toBe('2026-11-24T16:30:00.000Z');
  });
});

describe('formatChinaTime', () => {
  it.each([
    ['2026-11-25T10:30:00Z', '2026-11-25T18:30:00+08:00'],
    ['2026-11-25T16:00:00Z', '2026-11-26T00:00:00+08:00'],
    ['2026-12-31T23:59:59Z', '2027-01-01T07:59:59+08:00'],
    ['2026-11-25T10:30:00.999Z', '2026-11-25T18:30:00+08:00'],
  ])('formats %s as %s', (instant, expected) => {
    expect(formatChinaTime(new Date(instant))).toBe(expected);
  });
});
