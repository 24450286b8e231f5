// Trade bills (bill_type ALL) as WeChat's download serves them, built from named fields so that tests can
// reorder, drop or garble columns. Values follow real bills: every field behind a backtick, refund ids
// "0" on payment lines, fees with five decimals and negative on refund lines.

export const BILL_COLUMNS = [
  '交易时间',
  '公众账号ID',
  '商户号',
  '特约商户号',
  '设备号',
  '微信订单号',
  '商户订单号',
  '用户标识',
  '交易类型',
  '交易状态',
  '付款银行',
  '货币种类',
  '应结订单金额',
  '代金券金额',
  '微信退款单号',
  '商户退款单号',
  '退款金额',
  '充值券退款金额',
  '退款类型',
  '退款状态',
  '商品名称',
  '商户数据包',
  '手续费',
  '费率',
  '订单金额',
  '申请退款金额',
  '费率备注',
];

export const SUMMARY_COLUMNS = [
  '总交易单数',
  '应结订单总金额',
  '退款总金额',
  '充值券退款总金额',
  '手续费总金额',
  '订单总金额',
  '申请退款总金额',
];

export type BillLine = Record<string, string>;

export const PAYMENT_LINE: BillLine = {
  交易时间: '2026-11-24 18:01:02',
  公众账号ID: 'wx8888888888888888',
  商户号: '1900000109',
  特约商户号: '0',
  设备号: '',
  微信订单号: '4200001234202611241234567890',
  商户订单号: 'R20261124ABC123',
  用户标识: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  交易类型: 'NATIVE',
  交易状态: 'SUCCESS',
  付款银行: 'OTHERS',
  货币种类: 'CNY',
  应结订单金额: '50.00',
  代金券金额: '0.00',
  微信退款单号: '0',
  商户退款单号: '0',
  退款金额: '0.00',
  充值券退款金额: '0.00',
  退款类型: '',
  退款状态: '',
  商品名称: '账户充值 ¥50.00',
  商户数据包: 'account:42',
  手续费: '0.30000',
  费率: '0.60%',
  订单金额: '50.00',
  申请退款金额: '0.00',
  费率备注: '',
};

export const REFUND_LINE: BillLine = {
  ...PAYMENT_LINE,
  交易时间: '2026-11-24 20:15:00',
  交易状态: 'REFUND',
  应结订单金额: '0.00',
  微信退款单号: '50300908092026112400012345678',
  商户退款单号: 'RF20261124ABC123',
  退款金额: '20.00',
  退款类型: 'ORIGINAL',
  退款状态: 'SUCCESS',
  手续费: '-0.12000',
  订单金额: '0.00',
  申请退款金额: '20.00',
};

/** The totals of PAYMENT_LINE and REFUND_LINE. */
export const TOTALS: BillLine = {
  总交易单数: '2',
  应结订单总金额: '50.00',
  退款总金额: '20.00',
  充值券退款总金额: '0.00',
  手续费总金额: '0.18000',
  订单总金额: '50.00',
  申请退款总金额: '20.00',
};

export const ZERO_TOTALS: BillLine = {
  总交易单数: '0',
  应结订单总金额: '0.00',
  退款总金额: '0.00',
  充值券退款总金额: '0.00',
  手续费总金额: '0.00000',
  订单总金额: '0.00',
  申请退款总金额: '0.00',
};

/** Fields in the given column order, each behind a backtick, as on every detail and totals line. */
export function backticked(line: BillLine, columns: readonly string[]): string {
  return columns.map((column) => `\`${line[column] ?? ''}`).join(',');
}

export type BillTextOptions = {
  columns?: readonly string[];
  lines?: readonly BillLine[];
  summaryColumns?: readonly string[];
  totals?: BillLine;
  eol?: string;
  bom?: boolean;
};

export function billText(options: BillTextOptions = {}): string {
  const columns = options.columns ?? BILL_COLUMNS;
  const summaryColumns = options.summaryColumns ?? SUMMARY_COLUMNS;
  const eol = options.eol ?? '\n';
  const text = [
    columns.join(','),
    ...(options.lines ?? [PAYMENT_LINE, REFUND_LINE]).map((line) => backticked(line, columns)),
    summaryColumns.join(','),
    backticked(options.totals ?? TOTALS, summaryColumns),
  ]
    .map((line) => `${line}${eol}`)
    .join('');
  return options.bom ? `\uFEFF${text}` : text;
}
