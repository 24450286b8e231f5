import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { beijingDay, fenOf, parseBill, sha1 } from './support/bill';
import { newOutTradeNo, verifiesWithWechatpayKey, type WireResponse, waitFor } from './support/merchant';
import { setupNotifySandbox } from './support/notify-fixture';

// 申请交易账单 and 下载账单: the hash, the download, the file's format read back, the bill types and errors.

const t = setupNotifySandbox();
const { keys } = t;
const NOTIFY_URL = 'http://127.0.0.1:9/notify';
const today = () => beijingDay();

const ALL_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,' +
  '应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,' +
  '手续费,费率,订单金额,申请退款金额,费率备注';
const ALL_SUMMARY =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

afterEach(() => {
  vi.useRealTimers();
});

function expectError(response: WireResponse, status: number, code: string) {
  expect({ status: response.status, code: response.json?.code }).toEqual({ status, code });
  expect(verifiesWithWechatpayKey(keys, response.headers, response.text)).toBe(true);
}

async function paidOrder(total = 1234, extra: Record<string, unknown> = {}) {
  const outTradeNo = newOutTradeNo();
  await t.merchant.create({
    ...t.merchant.orderParams(outTradeNo, NOTIFY_URL, extra),
    amount: { total, currency: 'CNY' },
  });
  await t.merchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo, notify: false });
  return outTradeNo;
}

async function refund(outTradeNo: string, refundFen: number, total: number) {
  const outRefundNo = newOutTradeNo('RF');
  const response = await t.merchant.refund({
    out_trade_no: outTradeNo,
    out_refund_no: outRefundNo,
    amount: { refund: refundFen, total, currency: 'CNY' },
  });
  expect(response.status).toBe(200);
  return response.json;
}

/** Applies for a bill and downloads it; returns the plain file (gunzipped when asked for GZIP). */
async function fetchBill(query: Record<string, string> = {}) {
  const applied = await t.merchant.tradeBill({ bill_date: today(), ...query });
  expect(applied.status).toBe(200);
  const downloaded = await t.merchant.download(applied.json.download_url);
  expect(downloaded.status).toBe(200);
  const plain = query.tar_type === 'GZIP' ? gunzipSync(downloaded.bytes) : downloaded.bytes;
  return { applied, downloaded, plain, bill: parseBill(plain.toString('utf8')) };
}

const rowOf = (rows: Record<string, string>[], outTradeNo: string, state = 'SUCCESS') =>
  rows.find((row) => row.商户订单号 === outTradeNo && row.交易状态 === state);

describe('申请交易账单 GET /v3/bill/tradebill and the download', () => {
  it('answers a signed {hash_type, hash_value, download_url}; the file is unsigned and its SHA-1 is hash_value', async () => {
    await paidOrder();
    const { applied, downloaded, plain } = await fetchBill();
    expect(verifiesWithWechatpayKey(keys, applied.headers, applied.text)).toBe(true);
    expect(applied.json).toEqual({
      hash_type: 'SHA1',
      hash_value: expect.stringMatching(/^[0-9a-f]{40}$/),
      download_url: expect.stringMatching(
        /^http:\/\/127\.0\.0\.1:\d+\/v3\/billdownload\/file\?token=[\w-]+$/,
      ),
    });
    expect(downloaded.headers.get('Wechatpay-Signature')).toBeNull();
    expect(sha1(plain)).toBe(applied.json.hash_value);
  });

  it('gzips the file for tar_type=GZIP; hash_value is still the plain file’s', async () => {
    await paidOrder();
    const { applied, downloaded, plain } = await fetchBill({ tar_type: 'GZIP' });
    expect([...downloaded.bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(downloaded.headers.get('Content-Encoding')).toBeNull();
    expect(sha1(plain)).toBe(applied.json.hash_value);
    expect(sha1(downloaded.bytes)).not.toBe(applied.json.hash_value);
    expect(plain.toString('utf8')).toBe((await fetchBill()).plain.toString('utf8'));
  });

  it('writes WeChat’s ALL format: header, backticked values, yuan, fees, and a summary that adds up', async () => {
    const a = await paidOrder(1234, { attach: 'acct-7' });
    const b = await paidOrder(250, { description: '账户充值 ¥2.50' });
    await t.merchant.control('POST', '/sandbox/faults/refunds', { hold: true });
    const refunded = await refund(a, 500, 1234);
    const transactionA = (await t.merchant.query(a)).json;

    const { plain, bill } = await fetchBill();
    expect(plain.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bill.header.join(',')).toBe(ALL_HEADER);
    expect(bill.summaryHeader.join(',')).toBe(ALL_SUMMARY);
    expect(bill.rows).toHaveLength(3);

    expect(rowOf(bill.rows, a)).toEqual({
      交易时间: transactionA.success_time.slice(0, 19).replace('T', ' '),
      公众账号ID: keys.appid,
      商户号: keys.mchid,
      特约商户号: '0',
      设备号: '',
      微信订单号: transactionA.transaction_id,
      商户订单号: a,
      用户标识: transactionA.payer.openid,
      交易类型: 'NATIVE',
      交易状态: 'SUCCESS',
      付款银行: 'OTHERS',
      货币种类: 'CNY',
      应结订单金额: '12.34',
      代金券金额: '0.00',
      微信退款单号: '0',
      商户退款单号: '0',
      退款金额: '0.00',
      充值券退款金额: '0.00',
      退款类型: '',
      退款状态: '',
      商品名称: '账户充值 ¥12.34',
      商户数据包: 'acct-7',
      手续费: '0.07000', // 12.34 × 0.6 % = 0.07404, rounded to the fen
      费率: '0.60%',
      订单金额: '12.34',
      申请退款金额: '0.00',
      费率备注: '',
    });
    expect(rowOf(bill.rows, b)).toMatchObject({ 应结订单金额: '2.50', 手续费: '0.02000' }); // 0.015 rounds up
    expect(rowOf(bill.rows, a, 'REFUND')).toMatchObject({
      交易时间: refunded.create_time.slice(0, 19).replace('T', ' '),
      应结订单金额: '0.00',
      微信退款单号: refunded.refund_id,
      商户退款单号: refunded.out_refund_no,
      退款金额: '5.00',
      退款类型: 'ORIGINAL',
      退款状态: 'PROCESSING',
      手续费: '-0.03000',
      订单金额: '0.00',
      申请退款金额: '5.00',
    });

    const sum = (column: string, decimals = 2) =>
      bill.rows.reduce((total, row) => total + fenOf(row[column], decimals), 0);
    expect({
      count: Number(bill.summary.总交易单数),
      settlement: fenOf(bill.summary.应结订单总金额),
      refund: fenOf(bill.summary.退款总金额),
      fee: fenOf(bill.summary.手续费总金额, 5),
      order: fenOf(bill.summary.订单总金额),
      requested: fenOf(bill.summary.申请退款总金额),
    }).toEqual({
      count: bill.rows.length,
      settlement: sum('应结订单金额'),
      refund: sum('退款金额'),
      fee: sum('手续费', 5),
      order: sum('订单金额'),
      requested: sum('申请退款金额'),
    });
    expect(bill.summary).toMatchObject({
      应结订单总金额: '14.84',
      退款总金额: '5.00',
      手续费总金额: '0.06000',
    });
  });

  it('shows a refund’s state as it stands when the bill is made', async () => {
    const outTradeNo = await paidOrder();
    const { out_refund_no } = await refund(outTradeNo, 1234, 1234);
    await waitFor(async () => (await t.merchant.queryRefund(out_refund_no)).json.status === 'SUCCESS');
    const { bill } = await fetchBill();
    expect(bill.rows.find((row) => row.商户退款单号 === out_refund_no)?.退款状态).toBe('SUCCESS');
  });

  it('writes the SUCCESS and REFUND bills with their own columns and summaries', async () => {
    const outTradeNo = await paidOrder();
    await t.merchant.control('POST', '/sandbox/faults/refunds', { hold: true });
    const refunded = await refund(outTradeNo, 300, 1234);
    const paidAt = (await t.merchant.query(outTradeNo)).json.success_time.slice(0, 19).replace('T', ' ');
    await t.merchant.control('POST', '/sandbox/refunds/outcome', {
      out_refund_no: refunded.out_refund_no,
      status: 'SUCCESS',
    });

    const success = (await fetchBill({ bill_type: 'SUCCESS' })).bill;
    expect(success.header.join(',')).toBe(
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,' +
        '应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注',
    );
    expect(success.rows.map((row) => row.交易状态)).toEqual(['SUCCESS']);
    expect(success.summaryHeader.join(',')).toBe('总交易单数,应结订单总金额,手续费总金额,订单总金额');
    expect(success.summary).toEqual({
      总交易单数: '1',
      应结订单总金额: '12.34',
      手续费总金额: '0.07000',
      订单总金额: '12.34',
    });

    const refunds = (await fetchBill({ bill_type: 'REFUND' })).bill;
    expect(refunds.header).toContain('退款申请时间');
    expect(refunds.header).toContain('退款成功时间');
    expect(refunds.rows).toHaveLength(1);
    expect(refunds.rows[0]).toMatchObject({
      交易时间: paidAt,
      交易状态: 'REFUND',
      退款申请时间: refunded.create_time.slice(0, 19).replace('T', ' '),
      退款成功时间: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      退款状态: 'SUCCESS',
      退款金额: '3.00',
    });
    expect(refunds.summaryHeader.join(',')).toBe(ALL_SUMMARY);
    expect(refunds.summary).toMatchObject({ 总交易单数: '1', 退款总金额: '3.00', 申请退款总金额: '3.00' });
  });

  it('answers a typed bill with none of its kind as a header and a zero summary', async () => {
    await paidOrder();
    const { bill } = await fetchBill({ bill_type: 'REFUND' });
    expect(bill.rows).toEqual([]);
    expect(bill.summary).toMatchObject({ 总交易单数: '0', 退款总金额: '0.00', 手续费总金额: '0.00000' });
  });

  it('answers 400 NO_STATEMENT_EXIST for a day without payments or refunds', async () => {
    expectError(await t.merchant.tradeBill({ bill_date: today() }), 400, 'NO_STATEMENT_EXIST');
    expectError(await t.merchant.tradeBill({ bill_date: '2020-01-01' }), 400, 'NO_STATEMENT_EXIST');
  });

  it.each([
    ['bill_date', { bill_date: '20260101' }],
    ['bill_date', { bill_date: '2026-02-30' }],
    ['bill_date', {}],
    ['bill_type', { bill_date: '2026-01-01', bill_type: 'RECHARGE_REFUND' }],
    ['tar_type', { bill_date: '2026-01-01', tar_type: 'ZIP' }],
  ])('answers 400 PARAM_ERROR naming %s', async (field, query) => {
    const response = await t.merchant.tradeBill(query as Record<string, string>);
    expectError(response, 400, 'PARAM_ERROR');
    expect(response.json.message).toContain(`/query/${field}`);
  });

  it('answers 400 INVALID_REQUEST for a day still to come', async () => {
    const tomorrow = beijingDay(Date.now() + 24 * 3600_000);
    expectError(await t.merchant.tradeBill({ bill_date: tomorrow }), 400, 'INVALID_REQUEST');
  });

  it('checks the merchant’s signature on both calls', async () => {
    await paidOrder();
    expectError(
      await t.merchant.tradeBill({ bill_date: today() }, { authorization: null }),
      401,
      'SIGN_ERROR',
    );
    const applied = await t.merchant.tradeBill({ bill_date: today() });
    const unsigned = await t.merchant.download(applied.json.download_url, { authorization: null });
    expect(unsigned.status).toBe(401);
    expect(JSON.parse(unsigned.bytes.toString('utf8')).code).toBe('SIGN_ERROR');
  });

  it('refuses an unknown or expired token (400 INVALID_REQUEST) and a missing one (400 PARAM_ERROR)', async () => {
    await paidOrder();
    const applied = await t.merchant.tradeBill({ bill_date: today() });
    const url = new URL(applied.json.download_url);
    const bodyOf = (response: { bytes: Buffer }) => JSON.parse(response.bytes.toString('utf8'));

    url.searchParams.set('token', 'not-a-token');
    const unknown = await t.merchant.download(url.toString());
    expect([unknown.status, bodyOf(unknown).code]).toEqual([400, 'INVALID_REQUEST']);
    url.searchParams.delete('token');
    const missing = await t.merchant.download(url.toString());
    expect([missing.status, bodyOf(missing).code]).toEqual([400, 'PARAM_ERROR']);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5 * 60_000 + 1000);
    const expired = await t.merchant.download(applied.json.download_url);
    expect([expired.status, bodyOf(expired).code]).toEqual([400, 'INVALID_REQUEST']);
  });
});

describe('bill faults: WeChat and the merchant disagree', () => {
  it('records a payment the merchant never heard of: no notification, in the query API and the bill', async () => {
    const unknown = await t.merchant.control('POST', '/sandbox/payments/unknown', { total: 888 });
    expect(unknown.status).toBe(200);
    const outTradeNo = unknown.json.out_trade_no;
    expect(outTradeNo).toMatch(/^UNKNOWN\d{18}$/);
    expect((await t.merchant.query(outTradeNo)).json).toMatchObject({
      trade_state: 'SUCCESS',
      amount: { total: 888 },
    });
    expect((await t.merchant.control('GET', '/sandbox/notifications')).json).toEqual([]);
    expect(rowOf((await fetchBill()).bill.rows, outTradeNo)).toMatchObject({ 应结订单金额: '8.88' });

    // The merchant cannot create an order under that number.
    const reuse = await t.merchant.create(t.merchant.orderParams(outTradeNo, NOTIFY_URL));
    expect([reuse.status, reuse.json.code]).toEqual([403, 'OUT_TRADE_NO_USED']);
  });

  it('dates an unknown payment by success_time: it is in that day’s bill only', async () => {
    const yesterdayMs = Date.now() - 24 * 3600_000;
    const yesterday = beijingDay(yesterdayMs);
    const successTime = `${yesterday}T12:00:00+08:00`;
    const unknown = await t.merchant.control('POST', '/sandbox/payments/unknown', {
      out_trade_no: 'GIVEN_UNKNOWN_001',
      total: 100,
      success_time: successTime,
    });
    expect(unknown.json.transaction).toMatchObject({
      out_trade_no: 'GIVEN_UNKNOWN_001',
      success_time: successTime,
    });
    const bill = (await fetchBill({ bill_date: yesterday })).bill;
    expect(rowOf(bill.rows, 'GIVEN_UNKNOWN_001')?.交易时间).toBe(`${yesterday} 12:00:00`);
    expectError(await t.merchant.tradeBill({ bill_date: today() }), 400, 'NO_STATEMENT_EXIST');

    const future = await t.merchant.control('POST', '/sandbox/payments/unknown', {
      success_time: `${beijingDay(Date.now() + 2 * 24 * 3600_000)}T12:00:00+08:00`,
    });
    expect(future.status).toBe(400);
  });

  it('pays an existing order silently: paid at WeChat, no notification', async () => {
    const notify = await t.receiver();
    const outTradeNo = newOutTradeNo();
    await t.merchant.create(t.merchant.orderParams(outTradeNo, notify.url));
    const paid = await t.merchant.control('POST', '/sandbox/pay', {
      out_trade_no: outTradeNo,
      notify: false,
    });
    expect(paid.json.trade_state).toBe('SUCCESS');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(notify.received).toHaveLength(0);
    expect(rowOf((await fetchBill()).bill.rows, outTradeNo)).toBeDefined();
  });

  it('shows another amount in the bill for the one order named, and nothing else changes', async () => {
    const a = await paidOrder(1234);
    const b = await paidOrder(1234);
    const changed = await t.merchant.control('POST', '/sandbox/bill/amount-difference', {
      out_trade_no: a,
      total: 1200,
    });
    expect(changed.json).toMatchObject({ total: 1234, bill_total: 1200 });

    const { bill } = await fetchBill();
    expect(rowOf(bill.rows, a)).toMatchObject({ 应结订单金额: '12.00', 订单金额: '12.00' });
    expect(rowOf(bill.rows, b)).toMatchObject({ 应结订单金额: '12.34', 订单金额: '12.34' });
    expect(bill.summary.应结订单总金额).toBe('24.34');
    expect((await t.merchant.query(a)).json.amount.total).toBe(1234);
    expect(
      (
        await t.merchant.control('POST', '/sandbox/bill/amount-difference', {
          out_trade_no: 'NOPE_NOPE',
          total: 1,
        })
      ).status,
    ).toBe(404);
  });

  it('shows the bill on the control API too, for a look by hand', async () => {
    const outTradeNo = await paidOrder();
    const shown = await t.merchant.control('GET', '/sandbox/bill');
    expect(shown.json).toMatchObject({ bill_date: today(), bill_type: 'ALL' });
    expect(rowOf(parseBill(shown.json.file).rows, outTradeNo)).toBeDefined();
    expect((await t.merchant.control('GET', '/sandbox/bill?bill_date=2020-01-01')).status).toBe(404);
  });
});
