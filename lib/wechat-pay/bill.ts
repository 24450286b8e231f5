// The daily trade bill (bill_type ALL) as WeChat serves it: comma-separated UTF-8 text, a header line of
// Chinese column names, one line per payment or refund with every field prefixed by a backtick (so that
// spreadsheets keep long ids as text), then a summary header and one line of totals, prefixed likewise.
// Pure: the download, the hash check and the unzipping happen in bill-download.ts.
import { WechatPayError } from './errors';
import { assertBillDate } from './requests';
import type { TradeBill, TradeBillRow, TradeBillSummary } from './types';
import { billDateSchema } from './wire';

// Columns are found by name, not position: WeChat says so itself (older merchant accounts have other sets),
// and a missing column must be an error rather than a shifted, silently wrong reading.
const ROW_COLUMNS = {
  tradeTime: '交易时间',
  appid: '公众账号ID',
  mchid: '商户号',
  subMchid: '特约商户号',
  deviceInfo: '设备号',
  transactionId: '微信订单号',
  outTradeNo: '商户订单号',
  openid: '用户标识',
  tradeType: '交易类型',
  tradeState: '交易状态',
  bankType: '付款银行',
  currency: '货币种类',
  settlementTotalFen: '应结订单金额',
  couponFen: '代金券金额',
  refundId: '微信退款单号',
  outRefundNo: '商户退款单号',
  refundFen: '退款金额',
  couponRefundFen: '充值券退款金额',
  refundType: '退款类型',
  refundStatus: '退款状态',
  body: '商品名称',
  attach: '商户数据包',
  feeFen: '手续费',
  rate: '费率',
  orderAmountFen: '订单金额',
  requestedRefundFen: '申请退款金额',
  rateNote: '费率备注',
} as const satisfies Record<keyof TradeBillRow, string>;

const SUMMARY_COLUMNS = {
  totalCount: '总交易单数',
  settlementTotalFen: '应结订单总金额',
  refundFen: '退款总金额',
  couponRefundFen: '充值券退款总金额',
  feeFen: '手续费总金额',
  orderAmountFen: '订单总金额',
  requestedRefundFen: '申请退款总金额',
} as const satisfies Record<keyof TradeBillSummary, string>;

/** The totals that are sums of the column of the same name over the rows. */
const SUMMED = [
  'settlementTotalFen',
  'refundFen',
  'couponRefundFen',
  'feeFen',
  'orderAmountFen',
  'requestedRefundFen',
] as const satisfies readonly (keyof TradeBillSummary & keyof TradeBillRow)[];

/** Throws WechatPayError BILL_MALFORMED (not retryable) on any line it can't read or totals that disagree. */
export function parseTradeBill(text: string, billDate: string): TradeBill {
  assertBillDate(billDate);
  // A BOM is what spreadsheet-minded tools put first; trailing line breaks end the file.
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.at(-1) === '') lines.pop();
  const first = lines[0];
  if (first === undefined) throw malformed('the bill is empty');

  const rows: TradeBillRow[] = [];
  let at = 0;
  const header = first.split(',');
  // A day without detail lines may come as the summary alone.
  if (!header.includes(SUMMARY_COLUMNS.totalCount)) {
    const columns = locateColumns(header, ROW_COLUMNS, 1);
    at = 1;
    for (let line = lines[at]; line?.startsWith('`'); line = lines[++at]) {
      rows.push(readRow(fieldsOf(line, header.length, at + 1, columns)));
    }
  }

  const [summaryLine, totalsLine, ...rest] = lines.slice(at);
  if (summaryLine === undefined) throw malformed(`line ${at + 1}: no summary after the detail lines`);
  const summaryHeader = summaryLine.split(',');
  const summaryColumns = locateColumns(summaryHeader, SUMMARY_COLUMNS, at + 1);
  if (totalsLine === undefined) throw malformed(`line ${at + 2}: no line of totals after the summary header`);
  const summary = readSummary(fieldsOf(totalsLine, summaryHeader.length, at + 2, summaryColumns));
  if (rest.length > 0) throw malformed(`line ${at + 3}: nothing may follow the line of totals`);
  checkTotals(rows, summary);
  return { billDate, rows, summary };
}

function locateColumns<K extends string>(
  header: readonly string[],
  columns: Readonly<Record<K, string>>,
  lineNumber: number,
): Record<K, number> {
  const positions = {} as Record<K, number>;
  const problems: string[] = [];
  for (const [key, name] of Object.entries(columns) as [K, string][]) {
    const position = header.indexOf(name);
    if (position === -1) problems.push(`no column ${name}`);
    else if (header.lastIndexOf(name) !== position) problems.push(`column ${name} twice`);
    else positions[key] = position;
  }
  if (problems.length > 0) throw malformed(`line ${lineNumber}: ${problems.join(', ')}`, problems);
  return positions;
}

type Fields<K extends string> = {
  text(key: K): string;
  /** Yuan with exactly two decimals, never negative, as integer fen. */
  amount(key: K): number;
  /** A fee: two decimals, or five of which the last three are 0 (WeChat pads it); negative when given back. */
  fee(key: K): number;
  count(key: K): number;
  /** `YYYY-MM-DD HH:mm:ss`, Beijing time. */
  time(key: K): Date;
};

function fieldsOf<K extends string>(
  line: string,
  width: number,
  lineNumber: number,
  columns: Record<K, number>,
): Fields<K> {
  if (!line.startsWith('`')) throw malformed(`line ${lineNumber}: fields must each start with a backtick`);
  // Split on ",`" rather than ",": a comma inside a product name or attach then stays in its field.
  const values = line.slice(1).split(',`');
  if (values.length !== width) {
    throw malformed(`line ${lineNumber}: expected ${width} fields, found ${values.length}`);
  }
  const text = (key: K) => values[columns[key]] as string;
  const read =
    <T>(parse: (value: string) => T | undefined, what: string) =>
    (key: K): T => {
      const value = parse(text(key));
      if (value !== undefined) return value;
      throw malformed(`line ${lineNumber}: ${key} "${text(key)}" is not ${what}`);
    };
  return {
    text,
    amount: read(parseAmount, 'an amount in yuan with two decimals'),
    fee: read(parseFee, 'a fee in yuan'),
    count: read(parseCount, 'a count'),
    time: read(parseChinaTime, 'a time written YYYY-MM-DD HH:mm:ss'),
  };
}

function readRow(fields: Fields<keyof TradeBillRow>): TradeBillRow {
  return {
    tradeTime: fields.time('tradeTime'),
    appid: fields.text('appid'),
    mchid: fields.text('mchid'),
    subMchid: fields.text('subMchid'),
    deviceInfo: fields.text('deviceInfo'),
    transactionId: fields.text('transactionId'),
    outTradeNo: fields.text('outTradeNo'),
    openid: fields.text('openid'),
    tradeType: fields.text('tradeType'),
    tradeState: fields.text('tradeState'),
    bankType: fields.text('bankType'),
    currency: fields.text('currency'),
    settlementTotalFen: fields.amount('settlementTotalFen'),
    couponFen: fields.amount('couponFen'),
    refundId: fields.text('refundId'),
    outRefundNo: fields.text('outRefundNo'),
    refundFen: fields.amount('refundFen'),
    couponRefundFen: fields.amount('couponRefundFen'),
    refundType: fields.text('refundType'),
    refundStatus: fields.text('refundStatus'),
    body: fields.text('body'),
    attach: fields.text('attach'),
    feeFen: fields.fee('feeFen'),
    rate: fields.text('rate'),
    orderAmountFen: fields.amount('orderAmountFen'),
    requestedRefundFen: fields.amount('requestedRefundFen'),
    rateNote: fields.text('rateNote'),
  };
}

function readSummary(fields: Fields<keyof TradeBillSummary>): TradeBillSummary {
  return {
    totalCount: fields.count('totalCount'),
    settlementTotalFen: fields.amount('settlementTotalFen'),
    refundFen: fields.amount('refundFen'),
    couponRefundFen: fields.amount('couponRefundFen'),
    feeFen: fields.fee('feeFen'),
    orderAmountFen: fields.amount('orderAmountFen'),
    requestedRefundFen: fields.amount('requestedRefundFen'),
  };
}

// A bill whose totals don't match its lines was cut short or garbled somewhere: reconciling against it
// would report differences that aren't there (or hide ones that are).
function checkTotals(rows: readonly TradeBillRow[], summary: TradeBillSummary): void {
  const differing: string[] = [];
  if (summary.totalCount !== rows.length) {
    differing.push(`${SUMMARY_COLUMNS.totalCount} ${summary.totalCount}, lines ${rows.length}`);
  }
  for (const key of SUMMED) {
    const sum = rows.reduce((total, row) => total + row[key], 0);
    if (sum !== summary[key]) differing.push(`${SUMMARY_COLUMNS[key]} ${summary[key]} fen, lines ${sum} fen`);
  }
  if (differing.length > 0) {
    throw malformed(`the totals disagree with the lines: ${differing.join('; ')}`, differing);
  }
}

// Money is read digit by digit into integer fen: "0.07" as a float is not 7/100, and sums of such floats
// drift. Number() of a digit string is exact while the result stays a safe integer, which is checked.
const AMOUNT = /^(0|[1-9]\d*)\.(\d\d)$/;
const FEE = /^(-?)(0|[1-9]\d*)\.(\d\d)(?:000)?$/;
const COUNT = /^(0|[1-9]\d*)$/;
const TIME = /^(\d{4}-\d\d-\d\d) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;

function parseAmount(value: string): number | undefined {
  const match = AMOUNT.exec(value);
  return match ? toFen(match[1], match[2]) : undefined;
}

function parseFee(value: string): number | undefined {
  const match = FEE.exec(value);
  if (!match) return undefined;
  const fen = toFen(match[2], match[3]);
  // 0 - fen rather than -fen: "-0.00" must read as 0, not -0.
  return match[1] === '-' && fen !== undefined ? 0 - fen : fen;
}

function toFen(yuan: string | undefined, cents: string | undefined): number | undefined {
  const fen = Number(yuan) * 100 + Number(cents);
  return Number.isSafeInteger(fen) ? fen : undefined;
}

function parseCount(value: string): number | undefined {
  if (!COUNT.test(value)) return undefined;
  const count = Number(value);
  return Number.isSafeInteger(count) ? count : undefined;
}

function parseChinaTime(value: string): Date | undefined {
  const match = TIME.exec(value);
  // The pattern bounds the clock; the schema knows which days exist (no 2026-02-30 rolling into March).
  if (!match || !billDateSchema.safeParse(match[1]).success) return undefined;
  return new Date(`${match[1]}T${match[2]}:${match[3]}:${match[4]}+08:00`);
}

function malformed(reason: string, detail?: unknown): WechatPayError {
  return new WechatPayError({ code: 'BILL_MALFORMED', message: `WeChat Pay trade bill: ${reason}`, detail });
}
