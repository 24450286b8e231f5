import { z } from 'zod';
import { parseYuanToFen } from '../money';

// What the console's forms may send, checked on the server (zod stays off the payer's pages).

export const refundForm = z.object({
  outTradeNo: z.string().min(6).max(32),
  amountYuan: z.string().transform((value, ctx) => {
    const fen = parseYuanToFen(value);
    if (fen === null || fen <= 0) {
      ctx.addIssue({ code: 'custom', message: '请输入大于 0 的金额，最多两位小数' });
      return z.NEVER;
    }
    return fen;
  }),
  reason: z
    .string()
    .trim()
    .refine((value) => Buffer.byteLength(value) <= 80, '退款原因最多 80 字节（约 26 个汉字）'),
  idempotencyKey: z.uuid(),
});

export const resolveExceptionForm = z.object({
  exceptionId: z.uuid(),
  note: z.string().trim().min(1, '请写明处理说明').max(500, '处理说明最多 500 字'),
});

export const endAbnormalForm = z.object({
  refundId: z.uuid(),
  note: z.string().trim().min(1, '请写明为何结束该退款').max(500, '说明最多 500 字'),
});

export const holdUncoveredForm = z.object({ refundId: z.uuid() });

export const billRunForm = z.object({
  billDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '请选择日期'),
});

export type FormState = { ok: true; message: string } | { ok: false; message: string } | null;
