import 'server-only';
import { getDb } from '../db';
import { AppError } from '../http/app-error';
import { reconcileOrderByOutTradeNo } from '../orders/reconcile-order';

// Payment exceptions in the console: the open ones, and what an operator can do about them: mark one
// resolved with a note, or, for a payment that may have gone through, ask WeChat again and credit it
// through the normal settlement (exactly once, as ever) when WeChat says it is paid for the order's
// amount. Every action is recorded with who did it.

export async function listOpenExceptions() {
  return getDb().paymentException.findMany({
    where: { status: 'OPEN' },
    orderBy: { firstSeenAt: 'desc' },
    take: 200,
    include: { order: { select: { status: true, amountFen: true } } },
  });
}

export async function listRecentlyResolved() {
  return getDb().paymentException.findMany({
    where: { status: 'RESOLVED' },
    orderBy: { resolvedAt: 'desc' },
    take: 20,
  });
}

export async function resolveException(exceptionId: string, operatorId: string, note: string): Promise<void> {
  await getDb().$transaction(async (tx) => {
    const resolved = await tx.paymentException.updateMany({
      where: { id: exceptionId, status: 'OPEN' },
      data: { status: 'RESOLVED', resolvedAt: new Date(), resolvedBy: operatorId, resolution: note },
    });
    if (resolved.count === 0) throw new AppError('conflict', '该异常不存在或已处理');
    const exception = await tx.paymentException.findUniqueOrThrow({ where: { id: exceptionId } });
    await tx.adminAction.create({
      data: {
        actorId: operatorId,
        action: 'exception.resolve',
        target: exception.outTradeNo,
        details: { exceptionId, kind: exception.kind, note },
      },
    });
  });
}

/** Kinds where the money may have arrived for the order's amount and a fresh answer from WeChat decides. */
const CREDITABLE = new Set(['UNRESOLVED_AT_EXPIRY', 'UNEXPECTED_ANSWER', 'BILL_NOT_CREDITED']);

/** Whether "ask WeChat and credit" fits: a payment kind, for an order of ours not credited yet. */
export function isCreditable(exception: {
  kind: string;
  orderId: string | null;
  order?: { status: string } | null;
}): boolean {
  return CREDITABLE.has(exception.kind) && exception.orderId !== null && exception.order?.status !== 'PAID';
}

export async function creditAfterCheck(
  exceptionId: string,
  operatorId: string,
): Promise<{ ok: boolean; message: string }> {
  const exception = await getDb().paymentException.findUnique({
    where: { id: exceptionId },
    include: { order: { select: { status: true } } },
  });
  if (exception?.status !== 'OPEN') throw new AppError('conflict', '该异常不存在或已处理');
  if (!exception.orderId || !CREDITABLE.has(exception.kind)) {
    throw new AppError('unprocessable_entity', '这类异常不能直接入账，请核实后标记为已处理');
  }
  if (exception.order?.status === 'PAID') {
    throw new AppError('conflict', '订单已入账，无需再次入账；请核实后标记为已处理');
  }
  await reconcileOrderByOutTradeNo(exception.outTradeNo);
  const order = await getDb().paymentOrder.findUniqueOrThrow({ where: { id: exception.orderId } });
  const credited = order.status === 'PAID';
  await getDb().$transaction(async (tx) => {
    await tx.adminAction.create({
      data: {
        actorId: operatorId,
        action: 'exception.credit-after-check',
        target: exception.outTradeNo,
        details: { exceptionId, kind: exception.kind, orderStatus: order.status },
      },
    });
    if (credited) {
      await tx.paymentException.updateMany({
        where: { id: exceptionId, status: 'OPEN' },
        data: {
          status: 'RESOLVED',
          resolvedAt: new Date(),
          resolvedBy: operatorId,
          resolution: '向微信支付核实：已支付，已入账',
        },
      });
    }
  });
  return credited
    ? { ok: true, message: `微信支付确认已支付，订单 ${exception.outTradeNo} 已入账` }
    : { ok: false, message: `微信支付未确认支付（订单状态：${order.status}），未入账` };
}
