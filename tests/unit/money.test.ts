import { describe, expect, it } from 'vitest';
import { formatFen, formatYuan, parseYuanToFen } from '@/lib/money';

describe('parseYuanToFen', () => {
  it.each([
    ['1', 100],
    ['0.01', 1],
    ['0.1', 10],
    ['12.3', 1230],
    ['12.30', 1230],
    [' 8 ', 800],
    // The classic float traps: 19.99 * 100 = 1998.9999999999998 and 0.07 * 100 = 7.000000000000001.
    ['19.99', 1999],
    ['0.07', 7],
    ['0.29', 29],
    ['1234567.89', 123456789],
    ['0', 0],
  ])('accepts %j as %i fen', (input, fen) => {
    expect(parseYuanToFen(input)).toBe(fen);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['letters', 'abc'],
    ['negative', '-1'],
    ['explicit plus sign', '+1'],
    ['three decimals', '1.234'],
    ['exponent', '1e3'],
    ['thousands separator', '1,000'],
    ['no integer part', '.5'],
    ['trailing dot', '5.'],
    ['hexadecimal', '0x10'],
    ['full-width digits', '１０'],
    ['currency sign', '¥10'],
    ['more than nine integer digits', '1234567890'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
  ])('rejects %s (%j)', (_name, input) => {
    expect(parseYuanToFen(input)).toBeNull();
  });
});

describe('formatYuan', () => {
  it.each<[number | bigint, string]>([
    [0, '¥0.00'],
    [0n, '¥0.00'],
    [1, '¥0.01'],
    [10, '¥0.10'],
    [100, '¥1.00'],
    [1999, '¥19.99'],
    [123456, '¥1,234.56'],
    [5_000_000, '¥50,000.00'],
    [123456789n, '¥1,234,567.89'],
    // Balances are bigint in the database: past Number.MAX_SAFE_INTEGER nothing may be rounded.
    [9007199254740993n, '¥90,071,992,547,409.93'],
  ])('formats %s fen as %j', (fen, text) => {
    expect(formatYuan(fen)).toBe(text);
  });

  it('round-trips with parseYuanToFen', () => {
    for (const fen of [1, 7, 99, 100, 1999, 123456789]) {
      expect(parseYuanToFen(formatFen(fen).replaceAll(',', ''))).toBe(fen);
    }
  });
});
