// Local validation and app → wire mapping for outgoing requests. Rejecting a malformed request here
// gives a precise message instead of a round trip and a generic PARAM_ERROR.
import type { z } from 'zod';
import { formatChinaTime } from '../china-time';
import type { WechatPayConfig } from './config';
import { WechatPayError } from './errors';
import type { NativeOrderInput, RefundInput, TradeBillOptions } from './types';
import {
  billDateSchema,
  nativeOrderRequestSchema,
  outRefundNoSchema,
  outTradeNoSchema,
  refundRequestSchema,
  tarTypeSchema,
  type WireNativeOrderRequest,
  type WireRefundRequest,
} from './wire';

export function buildNativeOrderRequest(
  config: Pick<WechatPayConfig, 'appid' | 'mchid'>,
  input: NativeOrderInput,
  now: Date,
): WireNativeOrderRequest {
  if (!(input.timeExpire instanceof Date) || Number.isNaN(input.timeExpire.getTime())) {
    throw invalidArgument('timeExpire must be a valid Date');
  }
  if (input.timeExpire.getTime() <= now.getTime()) throw invalidArgument('timeExpire must be in the future');

  const request = {
    appid: config.appid,
    mchid: config.mchid,
    description: input.description,
    out_trade_no: input.outTradeNo,
    time_expire: formatChinaTime(input.timeExpire),
    attach: input.attach,
    notify_url: input.notifyUrl,
    amount: { total: input.amountFen, currency: 'CNY' as const },
  };
  return parseOrThrow(nativeOrderRequestSchema, request);
}

export function assertOutTradeNo(outTradeNo: string): string {
  return parseOrThrow(outTradeNoSchema, outTradeNo);
}

export function buildRefundRequest(input: RefundInput): WireRefundRequest {
  const request = {
    out_trade_no: input.outTradeNo,
    out_refund_no: input.outRefundNo,
    reason: input.reason,
    notify_url: input.notifyUrl,
    amount: { refund: input.refundFen, total: input.totalFen, currency: 'CNY' as const },
  };
  return parseOrThrow(refundRequestSchema, request);
}

export function assertOutRefundNo(outRefundNo: string): string {
  return parseOrThrow(outRefundNoSchema, outRefundNo);
}

export function assertBillDate(billDate: string): string {
  return parseOrThrow(billDateSchema, billDate);
}

/** `bill_date=…&bill_type=ALL[&tar_type=GZIP]`: every payment and refund of the day. */
export function buildTradeBillQuery(billDate: string, options: TradeBillOptions = {}): string {
  const query = new URLSearchParams({ bill_date: assertBillDate(billDate), bill_type: 'ALL' });
  const tarType = parseOrThrow(tarTypeSchema, options.tarType);
  if (tarType) query.set('tar_type', tarType);
  return query.toString();
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw invalidArgument(problems.join('; '), problems);
}

function invalidArgument(message: string, detail?: unknown): WechatPayError {
  return new WechatPayError({ code: 'INVALID_ARGUMENT', message, detail });
}
