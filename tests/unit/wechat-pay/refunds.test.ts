import { beforeAll, describe, expect, it } from 'vitest';
import type { WechatPayConfig } from '@/lib/wechat-pay/config';
import { WechatPayError } from '@/lib/wechat-pay/errors';
import { buildRefundRequest } from '@/lib/wechat-pay/requests';
import type { RefundInput } from '@/lib/wechat-pay/types';
import { createWechatPayTestKeys, type WechatPayTestKeys } from '../../support/wechat-pay-keys';
import {
  caught,
  expectValidMerchantSignature,
  fakeWechatPayFor,
  type SentRequest,
  type Signing,
  signedResponse,
} from './fake-wechat-pay';
import { buildWireRefund, loadTestConfig } from './fixtures';

let keys: WechatPayTestKeys;
let config: WechatPayConfig;
beforeAll(async () => {
  keys = await createWechatPayTestKeys();
  config = loadTestConfig(keys);
});

const fakeWechatPay = (answer: (request: SentRequest) => Response | Promise<Response>) =>
  fakeWechatPayFor(config, answer);
const respond = (status: number, body: unknown, signing: Signing = 'valid') =>
  signedResponse(keys, status, body, signing);

const REFUND: RefundInput = {
  outTradeNo: 'R20261125ABC123',
  outRefundNo: 'RF20261125ABC123',
  reason: '充值退款',
  refundFen: 2000,
  totalFen: 5000,
  notifyUrl: 'https://pay.example.com/api/wechat-pay/refund-notify',
};

function firstRequest(sent: SentRequest[]): SentRequest {
  const [request] = sent;
  if (!request) throw new Error('no request sent');
  return request;
}

describe('createRefund', () => {
  it('posts the refund signed over the exact bytes sent and returns WeChat’s answer reshaped', async () => {
    const { client, sent } = fakeWechatPay(() => respond(200, buildWireRefund()));
    await expect(client.createRefund(REFUND)).resolves.toEqual({
      refundId: '50300908092026112500012345678',
      outRefundNo: 'RF20261125ABC123',
      transactionId: '4200001234202611251234567890',
      outTradeNo: 'R20261125ABC123',
      status: 'PROCESSING',
      refundFen: 2000,
      totalFen: 5000,
      payerRefundFen: 1960,
      payerTotalFen: 4900,
      createTime: new Date('2026-11-25T10:05:00Z'),
      successTime: undefined,
      channel: 'ORIGINAL',
      userReceivedAccount: '支付用户零钱',
      fundsAccount: 'UNSETTLED',
    });

    const request = firstRequest(sent);
    expect(request.method).toBe('POST');
    expect(request.url.href).toBe('http://127.0.0.1:3100/v3/refund/domestic/refunds');
    expect(request.headers.get('Content-Type')).toBe('application/json');
    expect(request.init).toMatchObject({ cache: 'no-store', redirect: 'error' });
    expect(JSON.parse(request.body)).toEqual({
      out_trade_no: 'R20261125ABC123',
      out_refund_no: 'RF20261125ABC123',
      reason: '充值退款',
      notify_url: 'https://pay.example.com/api/wechat-pay/refund-notify',
      amount: { refund: 2000, total: 5000, currency: 'CNY' },
    });
    expectValidMerchantSignature(keys, request);
  });

  it('leaves the reason out when there is none', async () => {
    const { client, sent } = fakeWechatPay(() => respond(200, buildWireRefund()));
    await client.createRefund({ ...REFUND, reason: undefined });
    expect(JSON.parse(firstRequest(sent).body)).not.toHaveProperty('reason');
  });

  it('reads a refund that went through at once, with nulls where WeChat leaves fields empty', async () => {
    const wire = buildWireRefund({
      status: 'SUCCESS',
      success_time: '2026-11-25T18:05:03+08:00',
      channel: null,
      user_received_account: '',
      funds_account: null,
      create_time: null,
      amount: { total: 5000, refund: 2000, payer_total: null, payer_refund: null, currency: 'CNY' },
    });
    const { client } = fakeWechatPay(() => respond(200, wire));
    const refund = await client.createRefund(REFUND);
    expect(refund).toMatchObject({ status: 'SUCCESS', successTime: new Date('2026-11-25T10:05:03Z') });
    for (const field of [
      'channel',
      'userReceivedAccount',
      'fundsAccount',
      'createTime',
      'payerRefundFen',
      'payerTotalFen',
    ] as const) {
      expect(refund[field]).toBeUndefined();
    }
  });

  it.each<{ name: string; input: Partial<RefundInput>; message: string }>([
    { name: 'an empty out_refund_no', input: { outRefundNo: '' }, message: 'out_refund_no' },
    {
      name: 'an out_refund_no over 64 characters',
      input: { outRefundNo: 'R'.repeat(65) },
      message: 'out_refund_no',
    },
    { name: 'an out_refund_no with a slash', input: { outRefundNo: 'RF/2026' }, message: 'out_refund_no' },
    { name: 'an out_refund_no with a space', input: { outRefundNo: 'RF 2026' }, message: 'out_refund_no' },
    { name: 'an out_refund_no with a dot', input: { outRefundNo: 'RF.2026' }, message: 'out_refund_no' },
    { name: 'an invalid out_trade_no', input: { outTradeNo: 'R1' }, message: 'out_trade_no' },
    {
      name: 'a reason of 81 bytes',
      input: { reason: `${'退'.repeat(26)}abc` },
      message: 'reason must be at most 80 bytes',
    },
    { name: 'an empty reason', input: { reason: '' }, message: 'reason must not be empty' },
    { name: 'a zero refund', input: { refundFen: 0 }, message: 'amount.refund: amount must be positive' },
    { name: 'a negative refund', input: { refundFen: -1 }, message: 'amount.refund' },
    {
      name: 'a fractional refund',
      input: { refundFen: 19.5 },
      message: 'amount.refund: amount must be an integer',
    },
    { name: 'a zero total', input: { totalFen: 0 }, message: 'amount.total' },
    {
      name: 'a refund over the total',
      input: { refundFen: 5001 },
      message: 'amount.refund: refund must not exceed the order total',
    },
    {
      name: 'a notify URL with a query string',
      input: { notifyUrl: 'https://pay.example.com/refund-notify?order=1' },
      message: 'notify_url must not have a query',
    },
    {
      name: 'a plain-http notify URL on a public host',
      input: { notifyUrl: 'http://pay.example.com/refund-notify' },
      message: 'notify_url must be https',
    },
    ...['ftp', 'xhttp', 'httpx'].map((scheme) => ({
      name: `a ${scheme}: notify URL on loopback`,
      input: { notifyUrl: `${scheme}://127.0.0.1:3000/refund-notify` },
      message: 'notify_url',
    })),
    {
      name: 'a notify URL over 256 characters',
      input: { notifyUrl: `https://pay.example.com/${'n'.repeat(233)}` },
      message: 'notify_url',
    },
  ])('refuses $name locally, saying why, without calling WeChat', async ({ input, message }) => {
    const { client, sent } = fakeWechatPay(() => respond(200, buildWireRefund()));
    const error = await caught(client.createRefund({ ...REFUND, ...input }));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect(error.message).toContain(message);
    expect(sent).toHaveLength(0);
  });

  it.each<{ name: string; input: Partial<RefundInput> }>([
    { name: 'a one-character out_refund_no', input: { outRefundNo: 'R' } },
    { name: 'a 64-character out_refund_no', input: { outRefundNo: 'R'.repeat(64) } },
    { name: 'every symbol WeChat allows', input: { outRefundNo: 'Rf0_-|*@9' } },
    { name: 'a reason of exactly 80 bytes', input: { reason: `${'退'.repeat(26)}ab` } },
    { name: 'a full refund', input: { refundFen: 5000 } },
    { name: 'a one-fen refund', input: { refundFen: 1 } },
    {
      name: 'a notify URL of 256 characters',
      input: { notifyUrl: `https://pay.example.com/${'n'.repeat(232)}` },
    },
    {
      name: 'a plain-http notify URL on loopback',
      input: { notifyUrl: 'http://127.0.0.1:3000/refund-notify' },
    },
  ])('accepts $name', ({ input }) => {
    const request = buildRefundRequest({ ...REFUND, ...input });
    expect(request.out_refund_no).toBe(input.outRefundNo ?? REFUND.outRefundNo);
    expect(request.amount).toEqual({
      refund: input.refundFen ?? REFUND.refundFen,
      total: REFUND.totalFen,
      currency: 'CNY',
    });
  });

  it('says what an out_refund_no must be', async () => {
    const { client } = fakeWechatPay(() => respond(200, buildWireRefund()));
    await expect(caught(client.createRefund({ ...REFUND, outRefundNo: 'RF#1' }))).resolves.toMatchObject({
      message: 'out_refund_no: out_refund_no must be 1–64 characters of [0-9A-Za-z_-|*@]',
    });
  });

  it('names every bad field at once, by its wire path', () => {
    let error: unknown;
    try {
      buildRefundRequest({ ...REFUND, outRefundNo: '', refundFen: 0 });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(WechatPayError);
    const detail = (error as WechatPayError).detail as string[];
    expect(detail.map((line) => line.split(':')[0]).sort()).toEqual(['amount.refund', 'out_refund_no']);
  });

  it.each<{ name: string; overrides: Record<string, unknown>; mismatched: string[] }>([
    {
      name: 'another out_refund_no',
      overrides: { out_refund_no: 'RF20261125OTHER' },
      mismatched: ['out_refund_no'],
    },
    {
      name: 'another out_trade_no',
      overrides: { out_trade_no: 'R20261125OTHER' },
      mismatched: ['out_trade_no'],
    },
    {
      name: 'another amount',
      overrides: { amount: { total: 6000, refund: 2500, currency: 'CNY' } },
      mismatched: ['amount.refund', 'amount.total'],
    },
  ])('refuses a signed answer about $name as INVALID_RESPONSE', async ({ overrides, mismatched }) => {
    const { client } = fakeWechatPay(() => respond(200, buildWireRefund(overrides)));
    const error = await caught(client.createRefund(REFUND));
    expect(error).toMatchObject({
      code: 'INVALID_RESPONSE',
      httpStatus: 200,
      retryable: false,
      message: `WeChat Pay answered about another refund (${mismatched.join(', ')} differ)`,
      detail: { mismatched },
    });
  });

  it.each<{ name: string; body: unknown }>([
    { name: 'an unknown status', body: buildWireRefund({ status: 'REFUNDING' }) },
    { name: 'no refund_id', body: buildWireRefund({ refund_id: undefined }) },
    { name: 'an empty refund_id', body: buildWireRefund({ refund_id: '' }) },
    { name: 'no transaction_id', body: buildWireRefund({ transaction_id: undefined }) },
    {
      name: 'a fractional amount',
      body: buildWireRefund({ amount: { total: 5000, refund: 20.5, currency: 'CNY' } }),
    },
    { name: 'a negative total', body: buildWireRefund({ amount: { total: -1, refund: 2000 } }) },
    {
      name: 'a create_time without an offset',
      body: buildWireRefund({ create_time: '2026-11-25T18:05:00' }),
    },
    { name: 'a success_time that is not a time', body: buildWireRefund({ success_time: 'yesterday' }) },
  ])('refuses a signed 2xx with $name as INVALID_RESPONSE', async ({ body }) => {
    const { client } = fakeWechatPay(() => respond(200, body));
    await expect(caught(client.createRefund(REFUND))).resolves.toMatchObject({
      code: 'INVALID_RESPONSE',
      httpStatus: 200,
    });
  });

  it('names the wrong field of an answer by its path', async () => {
    const body = buildWireRefund({ amount: { total: 5000, refund: 20.5, currency: 'CNY' } });
    const { client } = fakeWechatPay(() => respond(200, body));
    const error = await caught(client.createRefund(REFUND));
    expect(error.detail).toEqual([expect.objectContaining({ path: 'amount.refund' })]);
  });
});

describe('refund answers are verified like every answer', () => {
  it.each<{ signing: Signing; retryable: boolean }>([
    { signing: 'none', retryable: false },
    { signing: 'wrong-key', retryable: false },
    { signing: 'stale', retryable: false },
    // WeChat's probe: the same request again is what it expects, and a refund is idempotent by out_refund_no.
    { signing: 'probe', retryable: true },
  ])('a refund answer with signature "$signing" is INVALID_SIGNATURE', async ({ signing, retryable }) => {
    const { client } = fakeWechatPay(() => respond(200, buildWireRefund({ status: 'SUCCESS' }), signing));
    const error = await caught(client.createRefund(REFUND));
    expect(error).toMatchObject({ code: 'INVALID_SIGNATURE', retryable });
    expect(error.message).toMatch(/^WeChat Pay response signature rejected \([A-Z_]+\) on HTTP 200$/);
    await expect(caught(client.queryRefund(REFUND.outRefundNo))).resolves.toMatchObject({
      code: 'INVALID_SIGNATURE',
      retryable,
    });
  });
});

describe('refund errors: retryable only where the same out_refund_no again is right', () => {
  it.each<{ status: number; code: string; retryable: boolean }>([
    { status: 400, code: 'PARAM_ERROR', retryable: false },
    { status: 400, code: 'INVALID_REQUEST', retryable: false },
    { status: 401, code: 'SIGN_ERROR', retryable: false },
    { status: 403, code: 'NOT_ENOUGH', retryable: false },
    { status: 403, code: 'NO_AUTH', retryable: false },
    { status: 403, code: 'USER_ACCOUNT_ABNORMAL', retryable: false },
    { status: 404, code: 'MCH_NOT_EXISTS', retryable: false },
    { status: 404, code: 'RESOURCE_NOT_EXISTS', retryable: false },
    { status: 429, code: 'FREQUENCY_LIMITED', retryable: true },
    { status: 500, code: 'SYSTEM_ERROR', retryable: true },
    { status: 500, code: 'SYSTEMERROR', retryable: true },
    { status: 502, code: 'BAD_GATEWAY', retryable: true },
    // The code is WeChat's promise even where the status says otherwise.
    { status: 403, code: 'FREQUENCY_LIMITED', retryable: true },
    { status: 400, code: 'SYSTEM_ERROR', retryable: true },
  ])('HTTP $status $code → retryable $retryable', async ({ status, code, retryable }) => {
    const body = { code, message: `message for ${code}` };
    const { client } = fakeWechatPay(() => respond(status, body));
    await expect(caught(client.createRefund(REFUND))).resolves.toMatchObject({
      code,
      httpStatus: status,
      retryable,
      message: `message for ${code}`,
    });
  });

  it('a 5xx without an error body from a proxy is retryable, and says so', async () => {
    const { client } = fakeWechatPay(() => respond(503, 'Service Unavailable', 'none'));
    await expect(caught(client.createRefund(REFUND))).resolves.toMatchObject({
      code: 'INVALID_RESPONSE',
      retryable: true,
      message: 'WeChat Pay answered HTTP 503 without an error body',
    });
  });

  it('a refund whose answer never came is a retryable NETWORK_ERROR', async () => {
    const { client } = fakeWechatPay(() => Promise.reject(new TypeError('fetch failed')));
    await expect(caught(client.createRefund(REFUND))).resolves.toMatchObject({
      code: 'NETWORK_ERROR',
      retryable: true,
    });
  });
});

describe('queryRefund', () => {
  it('GETs the refund by out_refund_no, percent-encoded in the path and signed as sent', async () => {
    const outRefundNo = 'RF|2026@11*25';
    const { client, sent } = fakeWechatPay(() =>
      respond(200, buildWireRefund({ out_refund_no: outRefundNo })),
    );
    await expect(client.queryRefund(outRefundNo)).resolves.toMatchObject({
      outRefundNo,
      status: 'PROCESSING',
    });

    const request = firstRequest(sent);
    expect(request.method).toBe('GET');
    expect(`${request.url.pathname}${request.url.search}`).toBe(
      '/v3/refund/domestic/refunds/RF%7C2026%4011*25',
    );
    expect(request.body).toBe('');
    expect(request.headers.has('Content-Type')).toBe(false);
    expectValidMerchantSignature(keys, request);
  });

  it.each(['PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL'])('reads status %s', async (status) => {
    const { client } = fakeWechatPay(() => respond(200, buildWireRefund({ status })));
    await expect(client.queryRefund(REFUND.outRefundNo)).resolves.toMatchObject({ status });
  });

  it('reports an unknown refund as RESOURCE_NOT_EXISTS, not retryable', async () => {
    const { client } = fakeWechatPay(() =>
      respond(404, { code: 'RESOURCE_NOT_EXISTS', message: '退款单不存在' }, 'none'),
    );
    await expect(caught(client.queryRefund(REFUND.outRefundNo))).resolves.toMatchObject({
      code: 'RESOURCE_NOT_EXISTS',
      httpStatus: 404,
      retryable: false,
    });
  });

  it('refuses an answer about another refund', async () => {
    const { client } = fakeWechatPay(() =>
      respond(200, buildWireRefund({ out_refund_no: 'RF20261125OTHER' })),
    );
    await expect(caught(client.queryRefund(REFUND.outRefundNo))).resolves.toMatchObject({
      code: 'INVALID_RESPONSE',
      message: 'WeChat Pay answered about another refund (out_refund_no differ)',
    });
  });

  it.each(['', '../../v3/pay/transactions/native', 'R'.repeat(65)])(
    'refuses out_refund_no %j locally',
    async (outRefundNo) => {
      const { client, sent } = fakeWechatPay(() => respond(200, buildWireRefund()));
      await expect(caught(client.queryRefund(outRefundNo))).resolves.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      expect(sent).toHaveLength(0);
    },
  );
});
