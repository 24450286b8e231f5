import { z } from 'zod';
import { WechatPayError } from './errors';
import { RFC3339_WITH_OFFSET } from './time';

// Request validation for the endpoints. Errors imitate WeChat's PARAM_ERROR wording
// (`输入源“/body/x”映射到字段“…”…校验失败`) so the field at fault is always named.

const OUT_TRADE_NO = /^[0-9A-Za-z_*-]{6,32}$/;
/** 商户退款单号: up to 64 of digits, letters and _-|*@. */
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
const BILL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isAcceptableNotifyUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (value.includes('?') || value.includes('#')) return false;
  if (url.protocol === 'https:') return true;
  // The real service demands https; plain http is tolerated only for a merchant on this machine.
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

const mchid = z.string().min(1).max(32, '长度不能超过 32');

export const createOrderSchema = z.object({
  appid: z.string().min(1).max(32, '长度不能超过 32'),
  mchid,
  description: z.string().min(1, '不能为空').max(127, '长度不能超过 127'),
  out_trade_no: z.string().regex(OUT_TRADE_NO, '须为 6–32 位数字、大小写字母或 _-*'),
  time_expire: z
    .string()
    .regex(
      RFC3339_WITH_OFFSET,
      '须为 RFC 3339 格式 yyyy-MM-DDTHH:mm:ss+TIMEZONE，如 2026-11-25T18:30:00+08:00',
    )
    .optional(),
  attach: z.string().max(128, '长度不能超过 128').optional(),
  notify_url: z
    .string()
    .max(256, '长度不能超过 256')
    .refine(isAcceptableNotifyUrl, '须为不带查询参数的 https 地址（本机地址可用 http）'),
  amount: z.object({
    total: z.number().int('须为整数（单位：分）').positive('须大于 0'),
    currency: z.literal('CNY', '仅支持 CNY').optional(),
  }),
});
export type CreateOrderRequest = z.infer<typeof createOrderSchema>;

export const closeOrderSchema = z.object({ mchid });

export const queryParamsSchema = z.object({ mchid });

export const pathParamsSchema = z.object({
  out_trade_no: z.string().regex(OUT_TRADE_NO, '须为 6–32 位数字、大小写字母或 _-*'),
});

const outRefundNo = z.string().regex(OUT_REFUND_NO, '须为 1–64 位数字、大小写字母或 _-|*@');
const fen = z.number().int('须为整数（单位：分）').positive('须大于 0');

export const createRefundSchema = z
  .object({
    transaction_id: z.string().min(1).max(32, '长度不能超过 32').optional(),
    out_trade_no: z.string().regex(OUT_TRADE_NO, '须为 6–32 位数字、大小写字母或 _-*').optional(),
    out_refund_no: outRefundNo,
    reason: z
      .string()
      .refine((v) => Buffer.byteLength(v) <= 80, '长度不能超过 80 字节')
      .optional(),
    notify_url: z
      .string()
      .max(256, '长度不能超过 256')
      .refine(isAcceptableNotifyUrl, '须为不带查询参数的 https 地址（本机地址可用 http）')
      .optional(),
    funds_account: z.enum(['AVAILABLE', 'UNSETTLED'], '须为 AVAILABLE 或 UNSETTLED').optional(),
    amount: z
      .object({
        refund: fen,
        from: z.array(z.object({ account: z.enum(['AVAILABLE', 'UNAVAILABLE']), amount: fen })).optional(),
        total: fen,
        currency: z.literal('CNY', '仅支持 CNY'),
      })
      .refine((a) => a.refund <= a.total, { message: '退款金额不能大于原订单金额', path: ['refund'] })
      .refine((a) => !a.from || a.from.reduce((sum, f) => sum + f.amount, 0) === a.refund, {
        message: '出资金额之和须等于退款金额',
        path: ['from'],
      }),
    goods_detail: z
      .array(
        z.object({
          merchant_goods_id: z.string().min(1).max(32),
          wechatpay_goods_id: z.string().max(32).optional(),
          goods_name: z.string().max(256).optional(),
          unit_price: z.number().int().nonnegative(),
          refund_amount: z.number().int().nonnegative(),
          refund_quantity: z.number().int().positive(),
        }),
      )
      .optional(),
  })
  .refine((r) => r.transaction_id !== undefined || r.out_trade_no !== undefined, {
    message: 'transaction_id 和 out_trade_no 必须二选一',
    path: ['out_trade_no'],
  });
export type CreateRefundRequest = z.infer<typeof createRefundSchema>;

export const refundPathSchema = z.object({ out_refund_no: outRefundNo });

export const tradeBillQuerySchema = z.object({
  bill_date: z.string().regex(BILL_DATE, '须为 YYYY-MM-DD 格式，如 2026-11-25'),
  bill_type: z.enum(['ALL', 'SUCCESS', 'REFUND'], '须为 ALL、SUCCESS 或 REFUND').default('ALL'),
  tar_type: z.literal('GZIP', '须为 GZIP（不传则不压缩）').optional(),
});
export type BillType = z.infer<typeof tradeBillQuerySchema>['bill_type'];

export const billDownloadQuerySchema = z.object({ token: z.string().min(1) });

const FIELD_LABELS: Record<string, string> = {
  appid: '应用ID',
  mchid: '直连商户号',
  description: '商品描述',
  out_trade_no: '商户订单号',
  time_expire: '支付结束时间',
  attach: '商户数据包',
  notify_url: '商户回调地址',
  amount: '订单金额',
  'amount.total': '总金额',
  'amount.currency': '货币类型',
  transaction_id: '微信支付订单号',
  out_refund_no: '商户退款单号',
  reason: '退款原因',
  funds_account: '退款资金来源',
  'amount.refund': '退款金额',
  'amount.from': '退款出资账户及金额',
  goods_detail: '退款商品',
  bill_date: '账单日期',
  bill_type: '账单类型',
  tar_type: '压缩类型',
  token: '下载令牌',
};

export type InputLocation = 'body' | 'query' | 'uri_template';

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function paramError(location: InputLocation, field: string, problem: string, value?: unknown) {
  const label = FIELD_LABELS[field] ?? field;
  const source = `/${location}/${field.replaceAll('.', '/')}`;
  return new WechatPayError(400, 'PARAM_ERROR', `输入源“${source}”映射到字段“${label}”${problem}`, {
    location,
    value: value ?? '',
  });
}

/** Parses or throws 400 PARAM_ERROR naming the first offending field. */
export function parseParams<T extends z.ZodType>(
  schema: T,
  input: unknown,
  location: InputLocation,
): z.infer<T> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new WechatPayError(400, 'PARAM_ERROR', `输入源“/${location}”须为 JSON 对象`);
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  const field = path.map(String).join('.');
  const value = valueAt(input, path);
  if (value === undefined) throw paramError(location, field, '必填性规则校验失败，此字段为必填项');
  const rule = issue?.code === 'invalid_type' ? `类型错误（${issue.message}）` : (issue?.message ?? '');
  throw paramError(location, field, `校验失败：${rule}`, value);
}
