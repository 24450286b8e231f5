import { formatYuan, parseYuanToFen } from '@/lib/money';

export type AmountCheck = { ok: true; amountFen: number } | { ok: false; message: string };

/** Checks what the payer typed, in yuan. The server checks again; this only spares a round trip. */
export function validateAmount(text: string, maxFen: number): AmountCheck {
  if (text.trim() === '') return { ok: false, message: '请输入充值金额' };
  const amountFen = parseYuanToFen(text);
  if (amountFen === null) return { ok: false, message: '请输入正确的金额，最多保留两位小数' };
  if (amountFen < 1) return { ok: false, message: '充值金额最低为 ¥0.01' };
  if (amountFen > maxFen) return { ok: false, message: `单笔充值金额不能超过 ${formatYuan(maxFen)}` };
  return { ok: true, amountFen };
}
