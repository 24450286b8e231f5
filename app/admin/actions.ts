'use server';

import { revalidatePath } from 'next/cache';
import {
  billRunForm,
  endAbnormalForm,
  type FormState,
  holdUncoveredForm,
  refundForm,
  resolveExceptionForm,
} from '@/lib/admin/actions-schema';
import { recordBillRunRequest } from '@/lib/admin/bills';
import { creditAfterCheck, resolveException } from '@/lib/admin/exceptions';
import { requireOperator } from '@/lib/admin/operator';
import { endAbnormal, holdUncoveredRefund } from '@/lib/admin/refunds';
import { parseBillDate, whyNotReconcilable } from '@/lib/bills/bill-date';
import { BillRunBusyError, reconcileBillDay } from '@/lib/bills/run-bill-reconciliation';
import { AppError } from '@/lib/http/app-error';
import { createLogger } from '@/lib/log';
import { formatYuan } from '@/lib/money';
import { REFUND_STATUS_LABELS } from '@/lib/refunds/refund-status';
import { requestRefund } from '@/lib/refunds/request-refund';

const log = createLogger('admin');

// The console's actions. Each checks the operator again (an action is a public endpoint), validates
// its form on the server, and records who did what (in the same transaction as the action).

export async function refundAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const operator = await requireOperator();
  const parsed = refundForm.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? '表单有误' };
  const { outTradeNo, amountYuan, reason, idempotencyKey } = parsed.data;
  try {
    const refund = await requestRefund({
      outTradeNo,
      amountFen: amountYuan,
      reason: reason || undefined,
      operatorId: operator.id,
      idempotencyKey,
    });
    revalidatePath(`/admin/orders/${outTradeNo}`);
    const status = REFUND_STATUS_LABELS[refund.status];
    return refund.status === 'REJECTED'
      ? { ok: false, message: `微信支付拒绝了退款（${refund.failureReason ?? ''}），已退回余额` }
      : {
          ok: true,
          message: `退款 ${formatYuan(refund.amountFen)} 已提交：${status}（${refund.outRefundNo}）`,
        };
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return { ok: false, message: error.message };
    log.error({ err: error, outTradeNo }, 'refund request failed');
    return { ok: false, message: '退款暂时无法提交，请稍后再试' };
  }
}

export async function resolveExceptionAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const operator = await requireOperator();
  const parsed = resolveExceptionForm.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? '表单有误' };
  try {
    await resolveException(parsed.data.exceptionId, operator.id, parsed.data.note);
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return { ok: false, message: error.message };
    throw error;
  }
  revalidatePath('/admin/exceptions');
  return { ok: true, message: '已标记为已处理' };
}

export async function creditAfterCheckAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const operator = await requireOperator();
  const parsed = resolveExceptionForm.pick({ exceptionId: true }).safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: '表单有误' };
  try {
    const result = await creditAfterCheck(parsed.data.exceptionId, operator.id);
    revalidatePath('/admin/exceptions');
    return result;
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return { ok: false, message: error.message };
    log.error({ err: error }, 'credit after check failed');
    return { ok: false, message: '暂时无法向微信支付查询，请稍后再试' };
  }
}

export async function billRunAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const operator = await requireOperator();
  const parsed = billRunForm.safeParse(Object.fromEntries(formData));
  const billDate = parsed.success ? parseBillDate(parsed.data.billDate) : null;
  if (!billDate) return { ok: false, message: '请选择有效的日期' };
  const refused = whyNotReconcilable(billDate, new Date());
  if (refused) return { ok: false, message: refused };
  let run: Awaited<ReturnType<typeof reconcileBillDay>>;
  try {
    run = await reconcileBillDay(billDate, 'console');
  } catch (error) {
    if (error instanceof BillRunBusyError) return { ok: false, message: `${billDate} 正在对账，请稍后刷新` };
    throw error;
  }
  await recordBillRunRequest(operator.id, billDate, run.id);
  revalidatePath('/admin/bills');
  return run.status === 'DONE'
    ? { ok: true, message: `${billDate} 对账完成：新发现 ${run.newDifferences} 项差异` }
    : { ok: false, message: `${billDate} 对账失败：${run.error ?? ''}` };
}

export async function endAbnormalAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const operator = await requireOperator();
  const parsed = endAbnormalForm.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? '表单有误' };
  try {
    const result = await endAbnormal(parsed.data.refundId, operator.id, parsed.data.note);
    revalidatePath('/admin', 'layout');
    return result;
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return { ok: false, message: error.message };
    log.error({ err: error }, 'ending an abnormal refund failed');
    return { ok: false, message: '暂时无法向微信支付查询，请稍后再试' };
  }
}

export async function holdUncoveredAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const operator = await requireOperator();
  const parsed = holdUncoveredForm.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: '表单有误' };
  try {
    const result = await holdUncoveredRefund(parsed.data.refundId, operator.id);
    revalidatePath('/admin', 'layout');
    return result;
  } catch (error) {
    if (error instanceof AppError && error.status < 500) return { ok: false, message: error.message };
    throw error;
  }
}
