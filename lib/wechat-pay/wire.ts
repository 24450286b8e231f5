// WeChat Pay's JSON, as it travels on the wire. Nothing outside lib/wechat-pay/ imports these:
// the app sees the shapes in types.ts, produced by reshape.ts.
import { z } from 'zod';

/** 6–32 characters of [0-9A-Za-z_*-], unique per merchant. */
const OUT_TRADE_NO_PATTERN = /^[0-9A-Za-z_*-]{6,32}$/;

export const outTradeNoSchema = z
  .string()
  .regex(OUT_TRADE_NO_PATTERN, 'out_trade_no must be 6–32 characters of [0-9A-Za-z_*-]');

/** Money is always an integer number of fen (0.01 CNY). */
const amountFenSchema = z
  .number()
  .int('amount must be an integer number of fen')
  .positive('amount must be positive')
  .max(Number.MAX_SAFE_INTEGER);

// ── POST /v3/pay/transactions/native ────────────────────────────────────────────────────────────

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

// WeChat wants https and no query string; plain http only reaches a loopback host (the local sandbox).
function notifyUrlSchema(maxLength: number) {
  return z
    .url({ protocol: /^https?$/ })
    .max(maxLength)
    .refine((value) => !value.includes('?') && !value.includes('#'), 'notify_url must not have a query')
    .refine(
      (value) => value.startsWith('https:') || LOOPBACK_HOSTS.has(new URL(value).hostname),
      'notify_url must be https (http only for a loopback host)',
    );
}

export const nativeOrderRequestSchema = z.strictObject({
  appid: z.string().min(1).max(32),
  mchid: z.string().min(1).max(32),
  description: z.string().min(1).max(127),
  out_trade_no: outTradeNoSchema,
  time_expire: z.string().optional(),
  attach: z.string().max(128).optional(),
  notify_url: notifyUrlSchema(255),
  amount: z.strictObject({ total: amountFenSchema, currency: z.literal('CNY') }),
});
export type WireNativeOrderRequest = z.infer<typeof nativeOrderRequestSchema>;

export const nativeOrderResponseSchema = z.object({ code_url: z.string().min(1) });

// ── Transaction (query response and decrypted notification resource) ───────────────────────────

const tradeStateSchema = z.enum([
  'SUCCESS',
  'REFUND',
  'NOTPAY',
  'CLOSED',
  'REVOKED',
  'USERPAYING',
  'PAYERROR',
]);
export type WireTradeState = z.infer<typeof tradeStateSchema>;

// Descriptive fields are `nullish` so that a null where WeChat usually omits a field cannot block
// settlement; the fields money depends on (ids, state, amount.total) are strict.
export const transactionSchema = z.object({
  appid: z.string().min(1),
  mchid: z.string().min(1),
  out_trade_no: z.string().min(1),
  transaction_id: z.string().nullish(),
  trade_type: z.string().nullish(),
  trade_state: tradeStateSchema,
  trade_state_desc: z.string().nullish(),
  bank_type: z.string().nullish(),
  attach: z.string().nullish(),
  success_time: z.iso.datetime({ offset: true }).nullish(),
  // Stryker disable next-line ObjectLiteral: nothing reads the payer yet, so an emptied shape is the same
  payer: z.object({ openid: z.string().nullish() }).nullish(),
  amount: z.object({
    total: z.number().int().nonnegative(),
    payer_total: z.number().int().nonnegative().nullish(),
    currency: z.string().nullish(),
    payer_currency: z.string().nullish(),
  }),
});
export type WireTransaction = z.infer<typeof transactionSchema>;

// ── POST /v3/refund/domestic/refunds, GET /v3/refund/domestic/refunds/{out_refund_no} ──────────

/** 1–64 characters of [0-9A-Za-z_-|*@], unique per merchant; the same one again never refunds twice. */
const OUT_REFUND_NO_PATTERN = /^[0-9A-Za-z_\-|*@]{1,64}$/;

export const outRefundNoSchema = z
  .string()
  .regex(OUT_REFUND_NO_PATTERN, 'out_refund_no must be 1–64 characters of [0-9A-Za-z_-|*@]');

/** WeChat counts the reason in bytes (it reaches the payer's refund message), not in characters. */
const REFUND_REASON_MAX_BYTES = 80;

export const refundRequestSchema = z.strictObject({
  out_trade_no: outTradeNoSchema,
  out_refund_no: outRefundNoSchema,
  reason: z
    .string()
    .min(1, 'reason must not be empty (leave it out instead)')
    .refine(
      (value) => new TextEncoder().encode(value).length <= REFUND_REASON_MAX_BYTES,
      `reason must be at most ${REFUND_REASON_MAX_BYTES} bytes of UTF-8`,
    )
    .optional(),
  notify_url: notifyUrlSchema(256),
  amount: z
    .strictObject({ refund: amountFenSchema, total: amountFenSchema, currency: z.literal('CNY') })
    .refine(({ refund, total }) => refund <= total, {
      message: 'refund must not exceed the order total',
      path: ['refund'],
    }),
});
export type WireRefundRequest = z.infer<typeof refundRequestSchema>;

const refundStatusSchema = z.enum(['PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL']);

// As for transactions: ids, status and amounts are strict, descriptive fields are `nullish`.
const refundCommonShape = {
  refund_id: z.string().min(1),
  out_refund_no: z.string().min(1),
  transaction_id: z.string().min(1),
  out_trade_no: z.string().min(1),
  success_time: z.iso.datetime({ offset: true }).nullish(),
  user_received_account: z.string().nullish(),
  amount: z.object({
    total: z.number().int().nonnegative(),
    refund: z.number().int().nonnegative(),
    payer_total: z.number().int().nonnegative().nullish(),
    payer_refund: z.number().int().nonnegative().nullish(),
  }),
};

/** The refund as the create and query APIs answer it. */
export const refundSchema = z.object({
  ...refundCommonShape,
  status: refundStatusSchema,
  create_time: z.iso.datetime({ offset: true }).nullish(),
  channel: z.string().nullish(),
  funds_account: z.string().nullish(),
});
export type WireRefund = z.infer<typeof refundSchema>;

/** The decrypted resource of a refund notification: `refund_status` rather than `status`, and the mchid. */
export const refundNotificationResourceSchema = z.object({
  ...refundCommonShape,
  mchid: z.string().min(1),
  refund_status: refundStatusSchema,
});

// ── GET /v3/bill/tradebill ───────────────────────────────────────────────────────────────────────

/** `YYYY-MM-DD`, a day that exists (WeChat serves the last three months only, which it checks itself). */
export const billDateSchema = z.iso.date('bill_date must be a date written YYYY-MM-DD');

export const tarTypeSchema = z.literal('GZIP', 'tar_type must be GZIP or absent').optional();

export const tradeBillResponseSchema = z.object({
  hash_type: z.literal('SHA1'),
  hash_value: z.string().regex(/^[0-9A-Fa-f]{40}$/, 'hash_value must be 40 hexadecimal digits'),
  download_url: z.url({ protocol: /^https?$/ }),
});
export type WireTradeBillResponse = z.infer<typeof tradeBillResponseSchema>;

// ── Errors: every non-2xx answer ────────────────────────────────────────────────────────────────

export const errorBodySchema = z.object({
  code: z.string().min(1),
  message: z.string(),
  detail: z.unknown().optional(),
});

// ── Notification envelope (POST to notify_url) ──────────────────────────────────────────────────

export const notificationEnvelopeSchema = z.object({
  id: z.string().min(1),
  create_time: z.string().nullish(),
  event_type: z.string().min(1),
  resource_type: z.string().nullish(),
  summary: z.string().nullish(),
  resource: z.object({
    algorithm: z.string(),
    ciphertext: z.string(),
    nonce: z.string(),
    associated_data: z.string().nullish(),
    original_type: z.string().nullish(),
  }),
});

// ── GET /v3/certificates ────────────────────────────────────────────────────────────────────────

export const certificatesResponseSchema = z.object({
  data: z.array(
    z.object({
      serial_no: z.string().min(1).max(64),
      effective_time: z.iso.datetime({ offset: true }),
      expire_time: z.iso.datetime({ offset: true }),
      encrypt_certificate: z.object({
        algorithm: z.string(),
        nonce: z.string(),
        associated_data: z.string(),
        ciphertext: z.string(),
      }),
    }),
  ),
});
