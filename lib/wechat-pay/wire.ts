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

export const nativeOrderRequestSchema = z.strictObject({
  appid: z.string().min(1).max(32),
  mchid: z.string().min(1).max(32),
  description: z.string().min(1).max(127),
  out_trade_no: outTradeNoSchema,
  time_expire: z.string().optional(),
  attach: z.string().max(128).optional(),
  // WeChat wants https and no query string; plain http only reaches a loopback host (the local sandbox).
  notify_url: z
    .url({ protocol: /^https?$/ })
    .max(255)
    .refine((value) => !value.includes('?') && !value.includes('#'), 'notify_url must not have a query')
    .refine(
      (value) => value.startsWith('https:') || LOOPBACK_HOSTS.has(new URL(value).hostname),
      'notify_url must be https (http only for a loopback host)',
    ),
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
