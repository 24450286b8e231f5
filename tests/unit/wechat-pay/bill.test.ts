import { describe, expect, it } from 'vitest';
import { parseTradeBill } from '@/lib/wechat-pay/bill';
import { WechatPayError } from '@/lib/wechat-pay/errors';
import {
  BILL_COLUMNS,
  type BillLine,
  backticked,
  billText,
  PAYMENT_LINE,
  REFUND_LINE,
  SUMMARY_COLUMNS,
  TOTALS,
  ZERO_TOTALS,
} from './bill-fixtures';

const BILL_DATE = '2026-11-24';

function rejection(run: () => unknown): WechatPayError {
  try {
    run();
  } catch (error) {
    if (error instanceof WechatPayError) return error;
    throw error;
  }
  throw new Error('expected a WechatPayError');
}

/** The bill refused as BILL_MALFORMED, not retryable, with a message containing `message`. */
function expectMalformed(text: string, message: string) {
  const error = rejection(() => parseTradeBill(text, BILL_DATE));
  expect(error).toMatchObject({ code: 'BILL_MALFORMED', retryable: false });
  expect(error.message).toContain(message);
  return error;
}

/** A one-payment bill whose payment line has `field` set to `value`, totals adjusted where they can be. */
function withPaymentField(field: string, value: string): string {
  const line = { ...PAYMENT_LINE, [field]: value };
  return billText({
    lines: [line],
    totals: {
      ...TOTALS,
      总交易单数: '1',
      退款总金额: '0.00',
      手续费总金额: '0.30000',
      申请退款总金额: '0.00',
    },
  });
}

const PAYMENT_ROW = {
  tradeTime: new Date('2026-11-24T10:01:02Z'),
  appid: 'wx8888888888888888',
  mchid: '1900000109',
  subMchid: '0',
  deviceInfo: '',
  transactionId: '4200001234202611241234567890',
  outTradeNo: 'R20261124ABC123',
  openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  tradeType: 'NATIVE',
  tradeState: 'SUCCESS',
  bankType: 'OTHERS',
  currency: 'CNY',
  settlementTotalFen: 5000,
  couponFen: 0,
  refundId: '0',
  outRefundNo: '0',
  refundFen: 0,
  couponRefundFen: 0,
  refundType: '',
  refundStatus: '',
  body: '账户充值 ¥50.00',
  attach: 'account:42',
  feeFen: 30,
  rate: '0.60%',
  orderAmountFen: 5000,
  requestedRefundFen: 0,
  rateNote: '',
};

const REFUND_ROW = {
  ...PAYMENT_ROW,
  tradeTime: new Date('2026-11-24T12:15:00Z'),
  tradeState: 'REFUND',
  settlementTotalFen: 0,
  refundId: '50300908092026112400012345678',
  outRefundNo: 'RF20261124ABC123',
  refundFen: 2000,
  refundType: 'ORIGINAL',
  refundStatus: 'SUCCESS',
  feeFen: -12,
  orderAmountFen: 0,
  requestedRefundFen: 2000,
};

const SUMMARY = {
  totalCount: 2,
  settlementTotalFen: 5000,
  refundFen: 2000,
  couponRefundFen: 0,
  feeFen: 18,
  orderAmountFen: 5000,
  requestedRefundFen: 2000,
};

describe('parseTradeBill reads a bill', () => {
  it('reads a payment line and a refund line, amounts in integer fen, times in Beijing time', () => {
    expect(parseTradeBill(billText(), BILL_DATE)).toEqual({
      billDate: BILL_DATE,
      rows: [PAYMENT_ROW, REFUND_ROW],
      summary: SUMMARY,
    });
  });

  it.each([
    { name: 'a UTF-8 BOM', text: billText({ bom: true }) },
    { name: 'CRLF line breaks', text: billText({ eol: '\r\n' }) },
    { name: 'a BOM and CRLF', text: billText({ bom: true, eol: '\r\n' }) },
    { name: 'no line break at the end', text: billText().trimEnd() },
    { name: 'blank lines at the end', text: `${billText({ eol: '\r\n' })}\r\n\r\n` },
    { name: 'columns in another order', text: billText({ columns: [...BILL_COLUMNS].reverse() }) },
    {
      name: 'summary columns in another order',
      text: billText({ summaryColumns: [...SUMMARY_COLUMNS].reverse() }),
    },
    {
      name: 'columns it does not use (the REFUND bill’s 退款申请时间)',
      text: billText({ columns: [...BILL_COLUMNS, '退款申请时间', '退款成功时间'] }),
    },
    {
      name: 'a column repeated that it does not use',
      text: billText({ columns: [...BILL_COLUMNS, '备注', '备注'] }),
    },
  ])('reads the same bill with $name', ({ text }) => {
    expect(parseTradeBill(text, BILL_DATE)).toEqual({
      billDate: BILL_DATE,
      rows: [PAYMENT_ROW, REFUND_ROW],
      summary: SUMMARY,
    });
  });

  it('keeps a BOM that is not at the start of the text: it belongs to a field', () => {
    expect(
      parseTradeBill(withPaymentField('商户数据包', '\uFEFFaccount:42'), BILL_DATE).rows[0]?.attach,
    ).toBe('\uFEFFaccount:42');
  });

  it('counts past nine lines', () => {
    const lines = Array.from({ length: 12 }, () => PAYMENT_LINE);
    const totals = {
      总交易单数: '12',
      应结订单总金额: '600.00',
      退款总金额: '0.00',
      充值券退款总金额: '0.00',
      手续费总金额: '3.60000',
      订单总金额: '600.00',
      申请退款总金额: '0.00',
    };
    expect(parseTradeBill(billText({ lines, totals }), BILL_DATE).summary).toMatchObject({
      totalCount: 12,
      feeFen: 360,
    });
  });

  it('keeps a comma inside a field in that field: fields are split at ",`"', () => {
    const bill = parseTradeBill(withPaymentField('商品名称', '充值,¥50'), BILL_DATE);
    expect(bill.rows[0]?.body).toBe('充值,¥50');
    expect(bill.rows[0]?.attach).toBe('account:42');
  });

  it('reads a day without lines: the headers and zero totals', () => {
    expect(parseTradeBill(billText({ lines: [], totals: ZERO_TOTALS }), BILL_DATE)).toEqual({
      billDate: BILL_DATE,
      rows: [],
      summary: {
        totalCount: 0,
        settlementTotalFen: 0,
        refundFen: 0,
        couponRefundFen: 0,
        feeFen: 0,
        orderAmountFen: 0,
        requestedRefundFen: 0,
      },
    });
  });

  it('reads a day without lines given as the summary alone', () => {
    const text = `${SUMMARY_COLUMNS.join(',')}\n${backticked(ZERO_TOTALS, SUMMARY_COLUMNS)}\n`;
    expect(parseTradeBill(text, BILL_DATE)).toMatchObject({ rows: [], summary: { totalCount: 0 } });
  });

  it('reads negative net fees in the totals (fees given back on refunds)', () => {
    const refundOnly = billText({
      lines: [REFUND_LINE],
      totals: {
        ...TOTALS,
        总交易单数: '1',
        应结订单总金额: '0.00',
        订单总金额: '0.00',
        手续费总金额: '-0.12000',
      },
    });
    expect(parseTradeBill(refundOnly, BILL_DATE).summary.feeFen).toBe(-12);
  });
});

describe('parseTradeBill reads money without floating point', () => {
  it.each([
    ['0.00', 0],
    ['0.01', 1],
    ['0.07', 7],
    ['0.29', 29],
    ['1.10', 110],
    ['10.00', 1000],
    ['1234567.89', 123456789],
    // The largest amount that is still an exact integer of fen.
    ['90071992547409.91', 9007199254740991],
  ])('%s yuan → %i fen', (yuan, fen) => {
    const text = billText({
      lines: [{ ...PAYMENT_LINE, 应结订单金额: yuan }],
      totals: {
        ...TOTALS,
        总交易单数: '1',
        应结订单总金额: yuan,
        退款总金额: '0.00',
        手续费总金额: '0.30000',
        申请退款总金额: '0.00',
      },
    });
    expect(parseTradeBill(text, BILL_DATE).rows[0]?.settlementTotalFen).toBe(fen);
  });

  it.each([
    '1.5',
    '1.505',
    '-0.01',
    '+1.00',
    'abc',
    '',
    '01.00',
    '1,00',
    '1.',
    '.50',
    ' 1.00',
    '1.00 ',
    '1e2',
    '90071992547409.92',
  ])('refuses amount %j, naming the line and the field', (amount) => {
    expectMalformed(
      withPaymentField('代金券金额', amount),
      `line 2: couponFen "${amount}" is not an amount in yuan`,
    );
  });

  it.each([
    ['0.30000', 30],
    ['0.30', 30],
    ['-0.12000', -12],
    ['-0.12', -12],
    ['12.34000', 1234],
    ['123.45000', 12345],
    ['-1234.56', -123456],
  ])('fee %s → %i fen', (fee, fen) => {
    const text = billText({
      lines: [{ ...PAYMENT_LINE, 手续费: fee }],
      totals: { ...TOTALS, 总交易单数: '1', 退款总金额: '0.00', 手续费总金额: fee, 申请退款总金额: '0.00' },
    });
    expect(parseTradeBill(text, BILL_DATE).rows[0]?.feeFen).toBe(fen);
  });

  it('reads a fee of "-0.00000" as 0, not -0', () => {
    const text = billText({
      lines: [{ ...PAYMENT_LINE, 手续费: '-0.00000' }],
      totals: {
        ...TOTALS,
        总交易单数: '1',
        退款总金额: '0.00',
        手续费总金额: '0.00000',
        申请退款总金额: '0.00',
      },
    });
    expect(Object.is(parseTradeBill(text, BILL_DATE).rows[0]?.feeFen, 0)).toBe(true);
  });

  it.each(['0.30100', '0.3000', '0.300', '0.3', '--0.30', '+0.30', '-', 'abc', '', '-90071992547409.92'])(
    'refuses fee %j: WeChat pads two decimals with 000, anything finer is not a fee in fen',
    (fee) => {
      expectMalformed(withPaymentField('手续费', fee), `line 2: feeFen "${fee}" is not a fee in yuan`);
    },
  );
});

describe('parseTradeBill reads trade times as Beijing time', () => {
  it.each([
    ['2026-11-24 00:00:00', '2026-11-23T16:00:00Z'],
    ['2026-11-24 09:59:59', '2026-11-24T01:59:59Z'],
    ['2026-11-24 19:30:00', '2026-11-24T11:30:00Z'],
    ['2026-11-24 23:59:59', '2026-11-24T15:59:59Z'],
    ['2024-02-29 12:00:00', '2024-02-29T04:00:00Z'],
  ])('%s → %s', (time, iso) => {
    expect(parseTradeBill(withPaymentField('交易时间', time), BILL_DATE).rows[0]?.tradeTime).toEqual(
      new Date(iso),
    );
  });

  it.each([
    '2026-11-24 24:00:00',
    '2026-11-24 23:60:00',
    '2026-11-24 23:59:60',
    '2026-02-30 10:00:00',
    '2026-13-01 10:00:00',
    '2026-11-24T18:01:02',
    '2026-11-24  18:01:02',
    '2026/11/24 18:01:02',
    '2026-11-24 18:01',
    '2026-11-24 18:01:02+08:00',
    ' 2026-11-24 18:01:02',
    '20261124180102',
    '',
  ])('refuses %j', (time) => {
    expectMalformed(
      withPaymentField('交易时间', time),
      `tradeTime "${time}" is not a time written YYYY-MM-DD HH:mm:ss`,
    );
  });
});

describe('parseTradeBill refuses a bill it cannot trust', () => {
  it.each([['交易时间'], ['应结订单金额'], ['手续费'], ['费率备注']])(
    'a header without %s (an old-format bill, say)',
    (missing) => {
      const columns = BILL_COLUMNS.filter((column) => column !== missing);
      expectMalformed(billText({ columns }), `line 1: no column ${missing}`);
    },
  );

  it('names every missing column at once', () => {
    const columns = BILL_COLUMNS.filter((column) => column !== '订单金额' && column !== '申请退款金额');
    const error = expectMalformed(
      billText({ columns }),
      'line 1: no column 订单金额, no column 申请退款金额',
    );
    expect(error.detail).toEqual(['no column 订单金额', 'no column 申请退款金额']);
  });

  it('a column it needs given twice', () => {
    expectMalformed(billText({ columns: [...BILL_COLUMNS, '退款金额'] }), 'line 1: column 退款金额 twice');
  });

  it('a summary without one of its totals', () => {
    const summaryColumns = SUMMARY_COLUMNS.filter((column) => column !== '充值券退款总金额');
    expectMalformed(billText({ summaryColumns }), 'line 4: no column 充值券退款总金额');
  });

  it.each([
    { name: 'an empty text', text: '' },
    { name: 'a BOM and line breaks only', text: '\uFEFF\r\n\r\n' },
  ])('$name', ({ text }) => {
    expectMalformed(text, 'the bill is empty');
  });

  it('a header and no summary', () => {
    expectMalformed(`${BILL_COLUMNS.join(',')}\n`, 'line 2: no summary after the detail lines');
  });

  it('detail lines and no summary (a download cut short)', () => {
    const cut = billText().split('\n').slice(0, 3).join('\n');
    expectMalformed(cut, 'line 4: no summary after the detail lines');
  });

  it('a summary header without its line of totals', () => {
    const cut = billText().split('\n').slice(0, 4).join('\n');
    expectMalformed(cut, 'line 5: no line of totals after the summary header');
  });

  it('a line after the totals', () => {
    expectMalformed(`${billText()}\`extra\n`, 'line 6: nothing may follow the line of totals');
  });

  it('a blank line between detail lines', () => {
    const [header, payment, ...rest] = billText().split('\n');
    expectMalformed([header, payment, '', ...rest].join('\n'), 'line 3: no column 总交易单数');
  });

  it('a detail line with a field missing', () => {
    const short = billText().replace(',`account:42', '');
    expectMalformed(short, 'line 2: expected 27 fields, found 26');
  });

  it('a detail line with a field too many', () => {
    const long = billText().replace(',`account:42', ',`account:42,`extra');
    expectMalformed(long, 'line 2: expected 27 fields, found 28');
  });

  it('a line of totals without the backticks', () => {
    const text = billText().replace(backticked(TOTALS, SUMMARY_COLUMNS), Object.values(TOTALS).join(','));
    expectMalformed(text, 'line 5: fields must each start with a backtick');
  });

  it('a line of totals whose first field lacks its backtick', () => {
    const text = billText().replace(
      backticked(TOTALS, SUMMARY_COLUMNS),
      backticked(TOTALS, SUMMARY_COLUMNS).slice(1),
    );
    expectMalformed(text, 'line 5: fields must each start with a backtick');
  });

  it.each(['-1', '02', '2.0', 'two', '', '9007199254740993'])('a transaction count of %j', (count) => {
    expectMalformed(
      billText({ totals: { ...TOTALS, 总交易单数: count } }),
      `line 5: totalCount "${count}" is not a count`,
    );
  });

  it.each<{ name: string; totals: BillLine; column: string }>([
    {
      name: 'a line more than the count',
      totals: { ...TOTALS, 总交易单数: '1' },
      column: '总交易单数 1, lines 2',
    },
    {
      name: 'a line less than the count',
      totals: { ...TOTALS, 总交易单数: '3' },
      column: '总交易单数 3, lines 2',
    },
    {
      name: 'another settlement total',
      totals: { ...TOTALS, 应结订单总金额: '50.01' },
      column: '应结订单总金额 5001 fen, lines 5000 fen',
    },
    {
      name: 'another refund total',
      totals: { ...TOTALS, 退款总金额: '19.99' },
      column: '退款总金额 1999 fen, lines 2000 fen',
    },
    {
      name: 'another coupon refund total',
      totals: { ...TOTALS, 充值券退款总金额: '0.01' },
      column: '充值券退款总金额 1 fen, lines 0 fen',
    },
    {
      name: 'another fee total',
      totals: { ...TOTALS, 手续费总金额: '0.42000' },
      column: '手续费总金额 42 fen, lines 18 fen',
    },
    {
      name: 'another order total',
      totals: { ...TOTALS, 订单总金额: '70.00' },
      column: '订单总金额 7000 fen, lines 5000 fen',
    },
    {
      name: 'another requested refund total',
      totals: { ...TOTALS, 申请退款总金额: '0.00' },
      column: '申请退款总金额 0 fen, lines 2000 fen',
    },
  ])('totals that disagree with the lines: $name', ({ totals, column }) => {
    const error = expectMalformed(billText({ totals }), `the totals disagree with the lines: ${column}`);
    expect(error.detail).toEqual([column]);
  });

  it('names every total that disagrees', () => {
    const totals = { ...TOTALS, 总交易单数: '5', 订单总金额: '0.00' };
    const error = expectMalformed(
      billText({ totals }),
      'the totals disagree with the lines: 总交易单数 5, lines 2; 订单总金额 0 fen, lines 5000 fen',
    );
    expect(error.detail).toEqual(['总交易单数 5, lines 2', '订单总金额 0 fen, lines 5000 fen']);
  });

  it('sums coupon refunds and fees per line, not just the first', () => {
    const second = { ...REFUND_LINE, 充值券退款金额: '1.00', 手续费: '-0.02000' };
    const totals = {
      ...TOTALS,
      总交易单数: '3',
      退款总金额: '40.00',
      充值券退款总金额: '1.00',
      手续费总金额: '0.16000',
      申请退款总金额: '40.00',
    };
    const bill = parseTradeBill(billText({ lines: [PAYMENT_LINE, REFUND_LINE, second], totals }), BILL_DATE);
    expect(bill.summary).toMatchObject({ totalCount: 3, couponRefundFen: 100, feeFen: 16, refundFen: 4000 });
  });

  it.each(['2026-11-31', '20261124', '2026-11-24 ', ''])(
    'a bill date of %j: INVALID_ARGUMENT',
    (billDate) => {
      const error = rejection(() => parseTradeBill(billText(), billDate));
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    },
  );
});
