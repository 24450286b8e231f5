import 'server-only';
import type { WechatPayConfig } from './config';
import { WechatPayError } from './errors';
import { parseResponseBody, sendSignedRequest, type Transport } from './http';
import { parseJson } from './json';
import { assertOutTradeNo, buildNativeOrderRequest } from './requests';
import { reshapeTransaction } from './reshape';
import type { NativeOrder, NativeOrderInput, WechatTransaction } from './types';
import { nativeOrderResponseSchema, transactionSchema } from './wire';

// The three Native-payment operations the app uses. Every call is signed, every answer verified;
// failures surface as WechatPayError with `retryable` telling the caller whether to try again.

export type WechatPayClient = {
  /** Creates (or, with identical parameters, re-fetches) the QR link for one payment attempt. */
  createNativeOrder(input: NativeOrderInput): Promise<NativeOrder>;
  /** Current state at WeChat. Throws code ORDER_NOT_EXIST (not retryable) when WeChat has no such order yet. */
  queryOrder(outTradeNo: string): Promise<WechatTransaction>;
  /** Closes an unpaid order; closing an already closed order succeeds. */
  closeOrder(outTradeNo: string): Promise<void>;
};

export type WechatPayClientOptions = {
  /** Defaults to the global fetch, looked up per call so that test stubs installed later still apply. */
  fetch?: typeof fetch;
  now?: () => Date;
};

export function createWechatPayClient(
  config: WechatPayConfig,
  options: WechatPayClientOptions = {},
): WechatPayClient {
  const transport: Transport = {
    fetch: (input, init) => (options.fetch ?? globalThis.fetch)(input, init),
    now: options.now ?? (() => new Date()),
  };

  return {
    async createNativeOrder(input) {
      const json = buildNativeOrderRequest(config, input, transport.now());
      const response = await sendSignedRequest(config, transport, {
        method: 'POST',
        pathWithQuery: '/v3/pay/transactions/native',
        json,
      });
      const { code_url } = parseResponseBody(nativeOrderResponseSchema, response);
      return { codeUrl: code_url };
    },

    async queryOrder(outTradeNo) {
      const segment = encodeURIComponent(assertOutTradeNo(outTradeNo));
      const response = await sendSignedRequest(config, transport, {
        method: 'GET',
        pathWithQuery: `/v3/pay/transactions/out-trade-no/${segment}?mchid=${encodeURIComponent(config.mchid)}`,
      });
      const transaction = reshapeTransaction(parseResponseBody(transactionSchema, response));
      assertSameOrder(transaction, config, outTradeNo, response.status);
      return transaction;
    },

    async closeOrder(outTradeNo) {
      const segment = encodeURIComponent(assertOutTradeNo(outTradeNo));
      const response = await sendSignedRequest(config, transport, {
        method: 'POST',
        pathWithQuery: `/v3/pay/transactions/out-trade-no/${segment}/close`,
        json: { mchid: config.mchid },
      });
      // Only 204 means closed. WeChat documents 202 USER_PAYING (the payer is entering the
      // password): the order is still open and may be paid, so the caller must query, not assume.
      if (response.status !== 204) {
        const code = readErrorCode(response.body) ?? 'UNEXPECTED_STATUS';
        throw new WechatPayError({
          code,
          message: `close answered HTTP ${response.status} (${code}), not 204: the order is not closed`,
          httpStatus: response.status,
          retryable: true,
        });
      }
    },
  };
}

// A signed answer about a different order or merchant means a bug on one side or the other; settling
// money on it would be wrong, so it is reported like any other unusable response.
function assertSameOrder(
  transaction: WechatTransaction,
  config: WechatPayConfig,
  outTradeNo: string,
  httpStatus: number,
): void {
  const mismatched = [
    transaction.outTradeNo !== outTradeNo && 'out_trade_no',
    transaction.mchid !== config.mchid && 'mchid',
    transaction.appid !== config.appid && 'appid',
  ].filter(Boolean);
  if (mismatched.length === 0) return;
  throw new WechatPayError({
    code: 'INVALID_RESPONSE',
    message: `WeChat Pay answered about another order (${mismatched.join(', ')} differ)`,
    httpStatus,
    detail: { mismatched },
  });
}

function readErrorCode(body: string): string | undefined {
  const parsed = parseJson(body);
  if (parsed && typeof parsed === 'object' && 'code' in parsed && typeof parsed.code === 'string') {
    return parsed.code;
  }
  return undefined;
}
