import { createHash } from 'node:crypto';

// The merchant's reading of a WeChat Pay trade bill, from WeChat's "交易账单详细说明": header line, data
// lines whose every value starts with a backtick, the summary header and the summary line. Strict on
// purpose: whatever this refuses, a merchant parser written from the same documentation would trip on.

export interface ParsedBill {
  header: string[];
  rows: Record<string, string>[];
  summaryHeader: string[];
  summary: Record<string, string>;
}

function values(line: string, columns: string[]): Record<string, string> {
  const cells = line.split(',');
  if (cells.length !== columns.length)
    throw new Error(`${cells.length} values for ${columns.length} columns: ${line}`);
  return Object.fromEntries(
    cells.map((cell, i) => {
      if (!cell.startsWith('`')) throw new Error(`value without its backtick: ${cell}`);
      return [columns[i], cell.slice(1)];
    }),
  );
}

export function parseBill(text: string): ParsedBill {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines.pop() !== '') throw new Error('the file does not end with a newline');
  const summaryAt = lines.findIndex((line) => line.startsWith('总交易单数'));
  if (summaryAt !== lines.length - 2) throw new Error('the summary is not the last two lines');
  const header = (lines[0] ?? '').split(',');
  const summaryHeader = (lines[summaryAt] ?? '').split(',');
  return {
    header,
    rows: lines.slice(1, summaryAt).map((line) => values(line, header)),
    summaryHeader,
    summary: values(lines[summaryAt + 1] ?? '', summaryHeader),
  };
}

/** `12.34` → 1234; refuses anything but yuan with exactly `decimals` decimals. */
export function fenOf(yuan: string | undefined, decimals = 2): number {
  const pattern = new RegExp(`^-?\\d+\\.\\d{${decimals}}$`);
  if (!yuan || !pattern.test(yuan)) throw new Error(`not yuan with ${decimals} decimals: ${yuan}`);
  return Math.round(Number(yuan) * 100);
}

export const sha1 = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');

/** Today in Beijing, the day a bill_date names. */
export function beijingDay(epochMs = Date.now()): string {
  return new Date(epochMs + 8 * 3600_000).toISOString().slice(0, 10);
}
