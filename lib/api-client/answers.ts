// The server's answers as the browser checks them, with valibot: modular, so the page carries only the
// few checks it uses (about a tenth of zod's mini build in this page's JavaScript); the full zod stays
// on the server. Each schema is tied to the shared type it checks.
import * as v from 'valibot';
import {
  type ApiError,
  type CreatedOrder,
  ORDER_STATUSES,
  type OrderStatusView,
} from '../schemas/order-status';

const integer = v.pipe(v.number(), v.integer());

const orderStatusView = v.object({
  orderId: v.string(),
  status: v.picklist(ORDER_STATUSES),
  amountFen: integer,
  reason: v.optional(v.string()),
  updatedAt: v.string(),
}) satisfies v.GenericSchema<unknown, OrderStatusView>;

const createdOrder = v.object({
  orderId: v.string(),
  outTradeNo: v.string(),
  amountFen: integer,
  codeUrl: v.string(),
  expiresAt: v.string(),
  status: orderStatusView,
}) satisfies v.GenericSchema<unknown, CreatedOrder>;

const apiError = v.object({
  error: v.object({
    code: v.string(),
    message: v.string(),
    details: v.optional(v.array(v.object({ field: v.string(), message: v.string() }))),
  }),
}) satisfies v.GenericSchema<unknown, ApiError>;

const signInAnswer = v.object({ url: v.pipe(v.string(), v.url()) });

function decoded<T>(schema: v.GenericSchema<unknown, T>, body: unknown): T | null {
  const parsed = v.safeParse(schema, body);
  return parsed.success ? parsed.output : null;
}

/** The status route's answer; null if it isn't one. */
export const decodeOrderStatusView = (body: unknown): OrderStatusView | null =>
  decoded(orderStatusView, body);
/** POST /api/orders' 200/201 answer; null if it isn't one. */
export const decodeCreatedOrder = (body: unknown): CreatedOrder | null => decoded(createdOrder, body);
/** The `{ error: { code, message, details } }` body every API route answers errors with; null if it isn't one. */
export const decodeApiErrorBody = (body: unknown): ApiError | null => decoded(apiError, body);
/** Better Auth's answer to a social sign-in start: the provider's page. */
export const decodeSignInUrl = (body: unknown): string | null => decoded(signInAnswer, body)?.url ?? null;
