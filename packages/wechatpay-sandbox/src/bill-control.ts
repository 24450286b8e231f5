import { z } from 'zod';
import { recordUnknownPayment } from './actions';
import { tradeBillFile } from './bill';
import type { SandboxContext } from './context';
import { WechatPayError } from './errors';
import { describeOrder, findOrder } from './order-ref';
import { RFC3339_WITH_OFFSET, toBeijingDate } from './time';

// /sandbox/… routes that make WeChat's side and the merchant's disagree, for reconciliation tests (merged
// into control.ts). Paying an order without its notification is `POST /sandbox/pay` with `notify: false`.

type Handler = (ctx: SandboxContext, body: unknown, url: URL, origin: string) => unknown;

const unknownPaymentSchema = z.object({
  out_trade_no: z
    .string()
    .regex(/^[0-9A-Za-z_*-]{6,32}$/)
    .optional(),
  total: z.number().int().positive().default(1000),
  description: z.string().min(1).max(127).default('商户未下单的付款'),
  success_time: z
    .string()
    .regex(RFC3339_WITH_OFFSET, 'RFC 3339 with an offset, e.g. 2026-11-25T18:30:00+08:00')
    .optional(),
});
const amountDifferenceSchema = z.object({ total: z.number().int().nonnegative() });
const billQuerySchema = z.object({
  bill_date: z.string().optional(),
  bill_type: z.enum(['ALL', 'SUCCESS', 'REFUND']).default('ALL'),
});

export const billControlRoutes: Record<string, Handler> = {
  'POST /sandbox/payments/unknown': (ctx, body, _u, origin) => {
    const input = unknownPaymentSchema.parse(body);
    const paidAtMs = input.success_time ? Date.parse(input.success_time) : Date.now();
    if (Number.isNaN(paidAtMs) || paidAtMs > Date.now()) {
      throw new WechatPayError(400, 'PARAM_ERROR', 'success_time must be a valid time, not in the future');
    }
    const order = recordUnknownPayment(ctx, {
      outTradeNo: input.out_trade_no,
      total: input.total,
      description: input.description,
      paidAtMs,
    });
    return describeOrder(order, origin);
  },
  'POST /sandbox/bill/amount-difference': (ctx, body, _u, origin) => {
    const { total } = amountDifferenceSchema.parse(body);
    const order = findOrder(ctx, body);
    order.billTotal = total;
    return describeOrder(order, origin);
  },
  'GET /sandbox/bill': (ctx, _b, url) => {
    const query = billQuerySchema.parse(Object.fromEntries(url.searchParams));
    const billDate = query.bill_date ?? toBeijingDate(Date.now());
    const file = tradeBillFile(ctx, billDate, query.bill_type);
    if (file === undefined) throw new WechatPayError(404, 'NO_STATEMENT_EXIST', `no bill for ${billDate}`);
    return { bill_date: billDate, bill_type: query.bill_type, file };
  },
};
