import { describe, expect, it } from 'vitest';
import { isWechatPayError, WechatPayError } from '@/lib/wechat-pay/errors';
import { buildNativeOrderRequest } from '@/lib/wechat-pay/requests';
import { normalizeSerial } from '@/lib/wechat-pay/serial';

const CONFIG = { appid: 'wx0000000000000001', mchid: '1900000001' };
const NOW = new Date('2026-12-01T10:00:00Z');
const VALID = {
  outTradeNo: 'RC20261201180000ABCDEF',
  description: '账户余额充值',
  amountFen: 100,
  timeExpire: new Date(NOW.getTime() + 600_000),
  notifyUrl: 'https://pay.example.com/api/wechat-pay/notify',
};

function rejection(run: () => unknown): WechatPayError {
  try {
    run();
  } catch (error) {
    if (error instanceof WechatPayError) return error;
    throw error;
  }
  throw new Error('expected a WechatPayError');
}

describe('WechatPayError', () => {
  it('is recognisable by name and by isWechatPayError, and keeps its cause', () => {
    const cause = new Error('socket hang up');
    const error = new WechatPayError({ code: 'NETWORK_ERROR', message: 'request failed', cause });
    expect(error.name).toBe('WechatPayError');
    expect(error.cause).toBe(cause);
    expect(isWechatPayError(error)).toBe(true);
    expect(isWechatPayError(new Error('request failed'))).toBe(false);
    expect(isWechatPayError({ code: 'NETWORK_ERROR', retryable: true })).toBe(false);
    expect('cause' in new WechatPayError({ code: 'TIMEOUT', message: 'timed out' })).toBe(false);
  });
});

describe('WechatPayError.retryable: the same call again may succeed', () => {
  it.each<{ code: string; httpStatus?: number; retryable: boolean }>([
    { code: 'NETWORK_ERROR', retryable: true },
    { code: 'TIMEOUT', retryable: true },
    // WeChat's codes that ask for the same call again, whatever status they come with.
    { code: 'SYSTEM_ERROR', httpStatus: 400, retryable: true },
    { code: 'SYSTEMERROR', retryable: true },
    { code: 'FREQUENCY_LIMITED', httpStatus: 403, retryable: true },
    { code: 'STATEMENT_CREATING', httpStatus: 400, retryable: true },
    // Otherwise the status decides: 429 and 5xx are WeChat's "try again".
    { code: 'NO_STATEMENT_EXIST', httpStatus: 400, retryable: false },
    { code: 'ORDER_NOT_EXIST', httpStatus: 404, retryable: false },
    { code: 'ANYTHING', httpStatus: 428, retryable: false },
    { code: 'ANYTHING', httpStatus: 429, retryable: true },
    { code: 'ANYTHING', httpStatus: 499, retryable: false },
    { code: 'ANYTHING', httpStatus: 500, retryable: true },
    { code: 'BILL_MALFORMED', retryable: false },
    { code: 'BILL_HASH_MISMATCH', retryable: false },
  ])('$code (HTTP $httpStatus) → $retryable', ({ code, httpStatus, retryable }) => {
    expect(new WechatPayError({ code, message: code, httpStatus }).retryable).toBe(retryable);
  });

  it('an explicit retryable wins over the rule', () => {
    expect(new WechatPayError({ code: 'BILL_HASH_MISMATCH', message: 'x', retryable: true }).retryable).toBe(
      true,
    );
    expect(new WechatPayError({ code: 'SYSTEM_ERROR', message: 'x', retryable: false }).retryable).toBe(
      false,
    );
  });
});

describe('buildNativeOrderRequest rejects what WeChat would refuse, saying what is wrong', () => {
  it.each<{ name: string; input: Partial<typeof VALID> & Record<string, unknown>; message: string }>([
    {
      name: 'an invalid expiry date',
      input: { timeExpire: new Date(Number.NaN) },
      message: 'timeExpire must be a valid Date',
    },
    {
      name: 'an expiry that is now',
      input: { timeExpire: NOW },
      message: 'timeExpire must be in the future',
    },
    {
      name: 'an expiry in the past',
      input: { timeExpire: new Date(NOW.getTime() - 1) },
      message: 'timeExpire must be in the future',
    },
  ])('$name', ({ input, message }) => {
    const error = rejection(() => buildNativeOrderRequest(CONFIG, { ...VALID, ...input }, NOW));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message, retryable: false });
  });

  it('names each bad field by its wire path, in the message and in the detail', () => {
    const error = rejection(() =>
      buildNativeOrderRequest(CONFIG, { ...VALID, amountFen: 0, outTradeNo: 'x' }, NOW),
    );
    const detail = error.detail as string[];
    expect(detail.length).toBe(2);
    expect(detail.some((line) => line.startsWith('amount.total: '))).toBe(true);
    expect(detail.some((line) => line.startsWith('out_trade_no: '))).toBe(true);
    expect(error.message).toBe(detail.join('; '));
  });

  it('accepts an expiry one millisecond ahead', () => {
    const request = buildNativeOrderRequest(
      CONFIG,
      { ...VALID, timeExpire: new Date(NOW.getTime() + 1) },
      NOW,
    );
    expect(request.time_expire).toBe('2026-12-01T18:00:00+08:00');
  });
});

describe('normalizeSerial', () => {
  it.each([
    { given: ' 3a7f0c11 ', expected: '3A7F0C11' },
    { given: '003A7F0C11', expected: '3A7F0C11' },
    { given: '0', expected: '0' },
    // Public key ids are opaque: kept as given, apart from surrounding blanks.
    {
      given: ' PUB_KEY_ID_0114232134912410000000000001 ',
      expected: 'PUB_KEY_ID_0114232134912410000000000001',
    },
    { given: 'PUB_KEY_ID_01ab', expected: 'PUB_KEY_ID_01ab' },
  ])('$given → $expected', ({ given, expected }) => {
    expect(normalizeSerial(given)).toBe(expected);
  });
});
