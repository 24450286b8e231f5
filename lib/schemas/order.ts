// Requests to our API, validated on the server with zod. The shapes both sides share are plain
// types in ./order-status (the browser must not load zod: see lib/api-client/answers.ts).
import { z } from 'zod';
import { ORDER_STATUSES } from './order-status';

export const orderStatusSchema = z.enum(ORDER_STATUSES);

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
