import 'server-only';
import { getDb, isUniqueViolation } from '../db';
import { getEnv } from '../env';
import type { Prisma } from '../generated/prisma/client';
import { AppError } from '../http/app-error';
import { createLogger } from '../log';
import { formatYuan } from '../money';
import {
  coolDownWechatPayLane,
  isFrequencyLimited,
  takeWechatPayBudget,
  WechatPayBusyError,
} from '../rate-limit/wechat-pay-budget';
import type { CreatedOrder } from '../schemas/order-status';
import { getWechatPayClient, isWechatPayError, type NativeOrderInput, WechatPayError } from '../wechat-pay';
import { FIRST_CHECK_AFTER_MS } from './check-schedule';
import { closePendingOrders } from './close-pending-orders';
import { END_REASONS, endPendingOrder } from './end-order';
import { cacheEntryFromOrder, publishOrderStatus, toStatusView } from './order-status-cache';
import { generateOutTradeNo } from './out-trade-no';

const log = createLogger('orders');

export const ORDER_DESCRIPTION = '账户余额充值';

type OrderRow = Prisma.PaymentOrderGetPayload<true>;

export interface CreateRechargeOrderInput {
  accountId: string;
  amountFen: number;
  idempotencyKey?: string;
}

/**
 * Creates a PENDING order and its WeChat Pay QR link. The order row exists before WeChat is
 * called, so a payment can always be matched to it; a WeChat refusal marks it FAILED (no QR code).
 */
export async function createRechargeOrder(input: CreateRechargeOrderInput): Promise<CreatedOrder> {
  const env = getEnv();
  assertRechargeAmountAllowed(input.amountFen);
  const db = getDb();
  if (input.idempotencyKey) {
    const existing = await findByIdempotencyKey(input.accountId, input.idempotencyKey);
    if (existing) return replay(await settledAttempt(existing), input.amountFen);
  }

  // The call to WeChat is paid for before the order exists: over budget, nothing is created.
  await takeWechatPayBudget('create');
  const now = new Date();
  let order: OrderRow;
  try {
    order = await db.paymentOrder.create({
      data: {
        accountId: input.accountId,
        outTradeNo: generateOutTradeNo(now),
        amountFen: input.amountFen,
        description: ORDER_DESCRIPTION,
        idempotencyKey: input.idempotencyKey ?? null,
        expiresAt: new Date(now.getTime() + env.ORDER_TTL_SECONDS * 1000),
        // The reconciler's first look, should neither a notification nor a poll settle it first.
        nextCheckAt: new Date(now.getTime() + FIRST_CHECK_AFTER_MS),
      },
    });
  } catch (error) {
    // A concurrent request with the same Idempotency-Key won the insert: answer with its order.
    if (isUniqueViolation(error) && input.idempotencyKey) {
      const winner = await findByIdempotencyKey(input.accountId, input.idempotencyKey);
      if (winner) return replay(await settledAttempt(winner), input.amountFen);
    }
    throw error;
  }

  // After the insert, which claimed the idempotency key: a concurrent same-key request can't
  // close this order, and this order is excluded from what gets closed.
  await closePendingOrders(input.accountId, order.id);

  let codeUrl: string;
  try {
    codeUrl = await requestCodeUrl({
      outTradeNo: order.outTradeNo,
      description: order.description,
      amountFen: order.amountFen,
      timeExpire: order.expiresAt,
      notifyUrl: env.WECHATPAY_NOTIFY_URL,
    });
  } catch (error) {
    await endPendingOrder(order.id, 'FAILED', END_REASONS.createFailed);
    throw await providerError(error);
  }
  // Only a still-PENDING order gets its QR link: if it ended meanwhile, the link must not be shown.
  const stored = await db.paymentOrder.updateMany({
    where: { id: order.id, status: 'PENDING' },
    data: { codeUrl },
  });
  if (stored.count === 0) {
    throw new AppError('conflict', '该订单已失效，请重新发起支付');
  }
  return toCreatedOrder(await publishOrderStatus(order.id), codeUrl);
}

/** The configured upper bound (the schema checks the rest). Callers run it before creating anything. */
export function assertRechargeAmountAllowed(amountFen: number): void {
  const max = getEnv().RECHARGE_MAX_FEN;
  if (amountFen > max) {
    const message = `单笔充值金额不能超过 ${formatYuan(max)}`;
    throw new AppError('unprocessable_entity', message, { details: [{ field: 'amountFen', message }] });
  }
}

/**
 * WeChat asks for a retry with identical parameters on 5xx/timeouts: it then returns the same link
 * (the retry is a call of its own, within the budget). A 429 is not retried at once: the lane cools
 * down (providerError) and the payer is asked to try again shortly.
 */
async function requestCodeUrl(request: NativeOrderInput): Promise<string> {
  const client = getWechatPayClient();
  try {
    return (await client.createNativeOrder(request)).codeUrl;
  } catch (error) {
    if (!isWechatPayError(error) || !error.retryable || isFrequencyLimited(error)) throw error;
    log.warn({ outTradeNo: request.outTradeNo, code: error.code }, 'createNativeOrder failed, retrying once');
    await takeWechatPayBudget('create');
    return (await client.createNativeOrder(request)).codeUrl;
  }
}

/** The payer sees a fixed message and WeChat's error code (for support); details go to the log only. */
async function providerError(error: unknown): Promise<AppError> {
  if (error instanceof WechatPayBusyError) return error;
  if (isFrequencyLimited(error)) {
    const cooldownMs = await coolDownWechatPayLane('create').catch(() => 1_000);
    return new WechatPayBusyError(Math.ceil(cooldownMs / 1000));
  }
  if (error instanceof WechatPayError) {
    log.error({ code: error.code, reason: error.message }, 'WeChat Pay refused the order');
    const message = error.retryable
      ? '微信支付暂时不可用，请稍后重试'
      : `微信支付下单失败（错误码 ${error.code}），请稍后重试或联系客服`;
    return new AppError('payment_provider_error', message, { cause: error });
  }
  log.error({ err: error }, 'creating the WeChat Pay order failed');
  return new AppError('payment_provider_error', '微信支付下单失败，请稍后重试', { cause: error });
}

async function findByIdempotencyKey(accountId: string, idempotencyKey: string): Promise<OrderRow | null> {
  return getDb().paymentOrder.findUnique({
    where: { accountId_idempotencyKey: { accountId, idempotencyKey } },
  });
}

const IN_FLIGHT_POLL_MS = 100;

/**
 * A concurrent request with the same key may still be waiting for WeChat's QR link: wait for it
 * (bounded by the WeChat timeout and its one retry) so that both requests answer the same order.
 */
async function settledAttempt(order: OrderRow): Promise<OrderRow> {
  const deadline = Date.now() + getEnv().WECHATPAY_TIMEOUT_MS * 2 + 1_000;
  let current = order;
  while (current.status === 'PENDING' && !current.codeUrl && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, IN_FLIGHT_POLL_MS));
    current = await getDb().paymentOrder.findUniqueOrThrow({ where: { id: order.id } });
  }
  return current;
}

/** The same request again (double click, retry): the same order, never a second one. */
function replay(order: OrderRow, amountFen: number): CreatedOrder {
  if (order.amountFen !== amountFen) {
    throw new AppError('conflict', 'Idempotency-Key 已用于另一金额的订单');
  }
  if (order.status === 'FAILED' && !order.codeUrl) {
    throw new AppError('payment_provider_error', order.failureReason ?? END_REASONS.createFailed);
  }
  if (!order.codeUrl) throw new AppError('conflict', '相同的支付请求正在处理中，请稍候');
  return toCreatedOrder(order, order.codeUrl);
}

function toCreatedOrder(order: OrderRow, codeUrl: string): CreatedOrder {
  return {
    orderId: order.id,
    outTradeNo: order.outTradeNo,
    amountFen: order.amountFen,
    codeUrl,
    expiresAt: order.expiresAt.toISOString(),
    status: toStatusView(cacheEntryFromOrder(order)),
  };
}
