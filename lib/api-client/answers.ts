// The server's answers as the browser checks them, with zod's mini build: the same validation as the
// full library at a fraction of its weight in the page's JavaScript (the full zod stays on the server).
import * as z from 'zod/mini';
import {
  type ApiError,
  type CreatedOrder,
  ORDER_STATUSES,
  type OrderStatusView,
} from '../schemas/order-status';

const orderStatusView: z.ZodMiniType<OrderStatusView> = z.object({
  orderId: z.string(),
  status: z.enum(ORDER_STATUSES),
  amountFen: z.int(),
  reason: z.optional(z.string()),
  updatedAt: z.string(),
});

const createdOrder: z.ZodMiniType<CreatedOrder> = z.object({
  orderId: z.string(),
  outTradeNo: z.string(),
  amountFen: z.int(),
  codeUrl: z.string(),
  expiresAt: z.string(),
  status: orderStatusView,
});

const apiError: z.ZodMiniType<ApiError> = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
  }),
});

const signInAnswer = z.object({ url: z.url() });

function decoded<T>(schema: z.ZodMiniType<T>, body: unknown): T | null {
  const parsed = schema.safeParse(body);
  return parsed.success ? parsed.data : null;
}

/** The status route's answer; null if it isn't one. */
export const decodeOrderStatusView = (body: unknown) => decoded(orderStatusView, body);
/** POST /api/orders' 200/201 answer; null if it isn't one. */
export const decodeCreatedOrder = (body: unknown) => decoded(createdOrder, body);
/** The `{ error: { code, message, details } }` body every API route answers errors with; null if it isn't one. */
export const decodeApiErrorBody = (body: unknown) => decoded(apiError, body);
/** Better Auth's answer to a social sign-in start: the provider's page. */
export const decodeSignInUrl = (body: unknown) => decoded(signInAnswer, body)?.url ?? null;
