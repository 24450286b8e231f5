// Money is integer fen everywhere. Conversions to and from yuan text are done on strings so that
// no floating-point rounding can creep in (0.1 + 0.2 never happens here).

const YUAN_PATTERN = /^(\d{1,9})(?:\.(\d{1,2}))?$/;

/** Parses "12", "12.3", "12.30" into fen; null for anything else (negatives, 3 decimals, "1e3"…). */
export function parseYuanToFen(input: string): number | null {
  const match = YUAN_PATTERN.exec(input.trim());
  if (!match) return null;
  const yuan = match[1] ?? '0';
  const fraction = (match[2] ?? '').padEnd(2, '0');
  return Number(yuan) * 100 + Number(fraction);
}

/** 123456 → "1,234.56" (no currency sign). */
export function formatFen(fen: number | bigint): string {
  const value = BigInt(fen);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const yuan = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${yuan}.${cents}`;
}

/** 123456 → "¥1,234.56". */
export function formatYuan(fen: number | bigint): string {
  return `¥${formatFen(fen)}`;
}
