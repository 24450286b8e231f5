import type { SandboxContext } from './context';
import type { Refund } from './refund-store';
import type { BillType } from './schemas';
import type { Order } from './store';
import { toBeijingDate, toBeijingDateTime } from './time';

// The trade bill (交易账单) of one Beijing day, built from the sandbox's own orders and refunds in the format of
// WeChat's "交易账单详细说明": a header line, one line per payment made that day and per refund accepted that
// day (发起退款成功, whatever its state now), a summary header and the summary. Every value of the data and
// summary lines starts with a backtick; amounts are yuan with two decimals, fees yuan with five. Lines end
// with \n; the file starts with a UTF-8 BOM.

const COLUMNS: Record<BillType, readonly string[]> = {
  ALL: [
    ...'交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类'.split(
      ',',
    ),
    ...'应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态'.split(
      ',',
    ),
    ...'商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注'.split(','),
  ],
  SUCCESS: [
    ...'交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类'.split(
      ',',
    ),
    ...'应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注'.split(','),
  ],
  REFUND: [
    ...'交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类'.split(
      ',',
    ),
    ...'应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额'.split(
      ',',
    ),
    ...'退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注'.split(','),
  ],
};

const SUMMARY_COLUMNS: Record<BillType, readonly string[]> = {
  ALL: '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额'.split(
    ',',
  ),
  SUCCESS: '总交易单数,应结订单总金额,手续费总金额,订单总金额'.split(','),
  REFUND:
    '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额'.split(','),
};

/** A bill line's amounts in fen, summed into the summary. */
interface Amounts {
  settlement: number;
  refund: number;
  fee: number;
  order: number;
  requestedRefund: number;
}

interface BillLine {
  kind: 'payment' | 'refund';
  atMs: number;
  values: Record<string, string>;
  amounts: Amounts;
}

function yuan(fen: number): string {
  const abs = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Fees are written with five decimals (`0.07000`), though charged in whole fen. */
const feeYuan = (fen: number) => `${yuan(fen)}000`;

function orderValues(ctx: SandboxContext, order: Order, paidAtMs: number): Record<string, string> {
  return {
    交易时间: toBeijingDateTime(paidAtMs),
    公众账号ID: order.appid,
    商户号: order.mchid,
    特约商户号: '0',
    设备号: '',
    微信订单号: order.transactionId ?? '',
    商户订单号: order.outTradeNo,
    用户标识: order.payerOpenid ?? '',
    交易类型: 'NATIVE',
    付款银行: 'OTHERS',
    货币种类: order.currency,
    代金券金额: '0.00',
    充值券退款金额: '0.00',
    商品名称: order.description,
    商户数据包: order.attach ?? '',
    费率: ctx.feeRate.label(),
    费率备注: '',
  };
}

function paymentLine(ctx: SandboxContext, order: Order, paidAtMs: number): BillLine {
  const total = order.billTotal ?? order.total;
  const fee = ctx.feeRate.feeOf(total);
  return {
    kind: 'payment',
    atMs: paidAtMs,
    amounts: { settlement: total, refund: 0, fee, order: total, requestedRefund: 0 },
    values: {
      ...orderValues(ctx, order, paidAtMs),
      交易状态: 'SUCCESS',
      应结订单金额: yuan(total),
      微信退款单号: '0',
      商户退款单号: '0',
      退款金额: '0.00',
      退款类型: '',
      退款状态: '',
      手续费: feeYuan(fee),
      订单金额: yuan(total),
      申请退款金额: '0.00',
    },
  };
}

function refundLine(ctx: SandboxContext, order: Order, paidAtMs: number, refund: Refund, type: BillType) {
  const fee = -ctx.feeRate.feeOf(refund.refund);
  const line: BillLine = {
    kind: 'refund',
    atMs: refund.createdAtMs,
    amounts: { settlement: 0, refund: refund.refund, fee, order: 0, requestedRefund: refund.refund },
    values: {
      ...orderValues(ctx, order, paidAtMs),
      // In the ALL bill a refund line is dated when the refund was accepted; the REFUND bill keeps the
      // payment's time there and has its own columns for the refund's times.
      交易时间: toBeijingDateTime(type === 'REFUND' ? paidAtMs : refund.createdAtMs),
      交易状态: 'REFUND',
      应结订单金额: '0.00',
      退款申请时间: toBeijingDateTime(refund.createdAtMs),
      退款成功时间: refund.successAtMs === undefined ? '' : toBeijingDateTime(refund.successAtMs),
      微信退款单号: refund.refundId,
      商户退款单号: refund.outRefundNo,
      退款金额: yuan(refund.refund),
      退款类型: 'ORIGINAL',
      退款状态: refund.status,
      手续费: feeYuan(fee),
      订单金额: '0.00',
      申请退款金额: yuan(refund.refund),
    },
  };
  return line;
}

/** Every payment and refund of the Beijing day `billDate`, in time order (oldest first within a second). */
function linesOf(ctx: SandboxContext, billDate: string, type: BillType): BillLine[] {
  const lines: BillLine[] = [];
  const paidAt = (order: Order) => (order.successTime ? Date.parse(order.successTime) : Number.NaN);
  for (const order of ctx.store.list().reverse()) {
    const paidAtMs = paidAt(order);
    if (order.state === 'SUCCESS' && toBeijingDate(paidAtMs) === billDate) {
      lines.push(paymentLine(ctx, order, paidAtMs));
    }
  }
  for (const refund of ctx.refunds.list().reverse()) {
    const order = ctx.store.get(refund.outTradeNo);
    if (order && toBeijingDate(refund.createdAtMs) === billDate) {
      lines.push(refundLine(ctx, order, paidAt(order), refund, type));
    }
  }
  return lines.sort((a, b) => a.atMs - b.atMs);
}

function summaryValues(lines: BillLine[]): Record<string, string> {
  const sum = (key: keyof Amounts) => lines.reduce((total, line) => total + line.amounts[key], 0);
  return {
    总交易单数: String(lines.length),
    应结订单总金额: yuan(sum('settlement')),
    退款总金额: yuan(sum('refund')),
    充值券退款总金额: '0.00',
    手续费总金额: feeYuan(sum('fee')),
    订单总金额: yuan(sum('order')),
    申请退款总金额: yuan(sum('requestedRefund')),
  };
}

const dataLine = (columns: readonly string[], values: Record<string, string>) =>
  columns.map((column) => `\`${values[column] ?? ''}`).join(',');

/**
 * The bill file of `billDate` (YYYY-MM-DD, Beijing) for `type`; undefined when the day has neither payments
 * nor refunds (WeChat answers NO_STATEMENT_EXIST). A typed bill of a day with none of its kind is a header
 * and a zero summary.
 */
export function tradeBillFile(ctx: SandboxContext, billDate: string, type: BillType): string | undefined {
  const all = linesOf(ctx, billDate, type);
  if (all.length === 0) return undefined;
  const lines = all.filter((line) => type === 'ALL' || (type === 'SUCCESS') === (line.kind === 'payment'));
  return [
    `\uFEFF${COLUMNS[type].join(',')}`,
    ...lines.map((line) => dataLine(COLUMNS[type], line.values)),
    SUMMARY_COLUMNS[type].join(','),
    dataLine(SUMMARY_COLUMNS[type], summaryValues(lines)),
    '',
  ].join('\n');
}
