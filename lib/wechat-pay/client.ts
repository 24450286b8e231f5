import 'server-only';
import { parseTradeBill } from './bill';
import { billDownloadPath, readBillFile } from './bill-download';
import { downloadPlatformCertificates, type PlatformCertificate } from './certificates';
import type { WechatPayConfig } from './config';
import { WechatPayError } from './errors';
import { downloadSigned, parseResponseBody, sendSignedRequest, type Transport } from './http';
import { parseJson } from './json';
import {
  assertOutRefundNo,
  assertOutTradeNo,
  buildNativeOrderRequest,
  buildRefundRequest,
  buildTradeBillQuery,
} from './requests';
import { reshapeRefund, reshapeTradeBillDownload, reshapeTransaction } from './reshape';
import type {
  NativeOrder,
  NativeOrderInput,
  RefundInput,
  TradeBill,
  TradeBillDownload,
  TradeBillOptions,
  WechatRefund,
  WechatTransaction,
} from './types';
import { nativeOrderResponseSchema, refundSchema, tradeBillResponseSchema, transactionSchema } from './wire';

// The operations the app uses: Native payment, refunds and the daily trade bill. Every call is signed,
// every answer verified; failures surface as WechatPayError with `retryable` telling the caller whether
// to try again.

export type WechatPayClient = {
  /** Creates (or, with identical parameters, re-fetches) the QR link for one payment attempt. */
  createNativeOrder(input: NativeOrderInput): Promise<NativeOrder>;
  /** Current state at WeChat. Throws code ORDER_NOT_EXIST (not retryable) when WeChat has no such order yet. */
  queryOrder(outTradeNo: string): Promise<WechatTransaction>;
  /** Closes an unpaid order; closing an already closed order succeeds. */
  closeOrder(outTradeNo: string): Promise<void>;
  /**
   * Asks WeChat to refund (part of) a paid order. The answer is usually PROCESSING: the outcome comes by
   * notification or queryRefund. After a retryable error, retry with the same outRefundNo, never a new one.
   */
  createRefund(input: RefundInput): Promise<WechatRefund>;
  /** Throws code RESOURCE_NOT_EXISTS (not retryable) when WeChat has no refund by that number. */
  queryRefund(outRefundNo: string): Promise<WechatRefund>;
  /**
   * The download link for the day's trade bill. Throws NO_STATEMENT_EXIST (not retryable) for a day
   * without payments or refunds, STATEMENT_CREATING (retryable) before WeChat has made it (about 10:00
   * the next day, China time).
   */
  requestTradeBill(billDate: string, options?: TradeBillOptions): Promise<TradeBillDownload>;
  /** requestTradeBill, then the download: hash-checked and parsed (throws BILL_HASH_MISMATCH, BILL_MALFORMED). */
  downloadTradeBill(billDate: string, options?: TradeBillOptions): Promise<TradeBill>;
  /**
   * WeChat's platform certificates, decrypted and checked (throws APIV3_KEY_MISMATCH when our APIv3 key
   * doesn't open them; RESOURCE_NOT_EXISTS, not retryable, for a merchant on the public key only; 401
   * SIGN_ERROR when the merchant key doesn't match WECHATPAY_MERCHANT_SERIAL_NO). Needs no order: also the
   * start-up check that the merchant's credentials work.
   */
  downloadPlatformCertificates(): Promise<PlatformCertificate[]>;
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

  // Shared by requestTradeBill and downloadTradeBill.
  async function requestTradeBill(
    billDate: string,
    billOptions?: TradeBillOptions,
  ): Promise<TradeBillDownload> {
    const response = await sendSignedRequest(config, transport, {
      method: 'GET',
      pathWithQuery: `/v3/bill/tradebill?${buildTradeBillQuery(billDate, billOptions)}`,
    });
    return reshapeTradeBillDownload(parseResponseBody(tradeBillResponseSchema, response));
  }

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

    async createRefund(input) {
      const json = buildRefundRequest(input);
      const response = await sendSignedRequest(config, transport, {
        method: 'POST',
        pathWithQuery: '/v3/refund/domestic/refunds',
        json,
      });
      const refund = reshapeRefund(parseResponseBody(refundSchema, response));
      assertAbout('refund', response.status, [
        refund.outRefundNo !== input.outRefundNo && 'out_refund_no',
        refund.outTradeNo !== input.outTradeNo && 'out_trade_no',
        refund.refundFen !== input.refundFen && 'amount.refund',
        refund.totalFen !== input.totalFen && 'amount.total',
      ]);
      return refund;
    },

    async queryRefund(outRefundNo) {
      const segment = encodeURIComponent(assertOutRefundNo(outRefundNo));
      const response = await sendSignedRequest(config, transport, {
        method: 'GET',
        pathWithQuery: `/v3/refund/domestic/refunds/${segment}`,
      });
      const refund = reshapeRefund(parseResponseBody(refundSchema, response));
      assertAbout('refund', response.status, [refund.outRefundNo !== outRefundNo && 'out_refund_no']);
      return refund;
    },

    requestTradeBill,

    async downloadTradeBill(billDate, billOptions = {}) {
      const download = await requestTradeBill(billDate, billOptions);
      const bytes = await downloadSigned(
        config,
        transport,
        billDownloadPath(download.downloadUrl, config.baseUrl),
      );
      return parseTradeBill(readBillFile(bytes, download, billOptions), billDate);
    },

    downloadPlatformCertificates: () => downloadPlatformCertificates(config, transport),
  };
}

function assertSameOrder(
  transaction: WechatTransaction,
  config: WechatPayConfig,
  outTradeNo: string,
  httpStatus: number,
): void {
  assertAbout('order', httpStatus, [
    transaction.outTradeNo !== outTradeNo && 'out_trade_no',
    transaction.mchid !== config.mchid && 'mchid',
    transaction.appid !== config.appid && 'appid',
  ]);
}

// A signed answer about a different order, refund or merchant means a bug on one side or the other; moving
// money on it would be wrong, so it is reported like any other unusable response.
function assertAbout(subject: 'order' | 'refund', httpStatus: number, differing: (string | false)[]): void {
  const mismatched = differing.filter(Boolean);
  if (mismatched.length === 0) return;
  throw new WechatPayError({
    code: 'INVALID_RESPONSE',
    message: `WeChat Pay answered about another ${subject} (${mismatched.join(', ')} differ)`,
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
