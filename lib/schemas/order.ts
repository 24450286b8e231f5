// Shapes exchanged between the recharge page and our API. No secrets: imported by client code.
import { z } from 'zod';

const ORDER_STATUSES = ['PENDING', 'PAID', 'FAILED', 'CLOSED'] as const;
export const orderStatusSchema = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['PAID', 'FAILED', 'CLOSED']);
export function isFinalStatus(status: OrderStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/** Body of POST /api/orders. The upper bound is configuration, checked on the server. */
export const createOrderInputSchema = z.object({
  amountFen: z.number({ error: '金额必须是数字' }).int('金额必须是整数（分）').min(1, '金额至少为 ¥0.01'),
});

/** `Idempotency-Key` header: one order per key per account, so a double click creates one order. */
const idempotencyKeySchema = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'Idempotency-Key: 8–64 characters of A–Z a–z 0–9 _ -');

/** The optional header, as an object so that a validation error names it. */
export const idempotencyHeaderSchema = z.object({ 'Idempotency-Key': idempotencyKeySchema.optional() });

/** What the status route answers and the page polls. */
export const orderStatusViewSchema = z.object({
  orderId: z.string(),
  status: orderStatusSchema,
  amountFen: z.number().int(),
  /** Why a FAILED / CLOSED order ended, in words for the payer. */
  reason: z.string().optional(),
  updatedAt: z.string(),
});
export type OrderStatusView = z.infer<typeof orderStatusViewSchema>;

/** 201 answer of POST /api/orders. */
export const createdOrderSchema = z.object({
  orderId: z.string(),
  outTradeNo: z.string(),
  amountFen: z.number().int(),
  codeUrl: z.string(),
  expiresAt: z.string(),
  status: orderStatusViewSchema,
});
export type CreatedOrder = z.infer<typeof createdOrderSchema>;

/** Error body of every API route. */
export const apiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;
