// One China-time module serves WeChat's time_expire, out_trade_no stamps and the result page's times.
import { describe, expect, it } from 'vitest';
import { formatChinaClock, formatChinaDateTime, formatChinaTimestamp } from '@/lib/china-time';

// What the result page printed before it used this module, kept as the reference for its format.
const zhCnShanghai = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

const INSTANTS = [
  '2026-11-25T10:30:05Z',
  '2026-11-25T16:00:00Z',
  '2026-12-31T23:59:59.999Z',
  '2027-03-01T04:07:09Z',
];

describe('formatChinaTimestamp', () => {
  it.each([
    ['2026-11-25T10:30:05Z', '20261125183005'],
    ['2026-11-25T16:00:00Z', '20261126000000'],
    ['2026-12-31T23:59:59.999Z', '20270101075959'],
  ])('stamps %s as %s', (instant, expected) => {
    expect(formatChinaTimestamp(new Date(instant))).toBe(expected);
  });
});

describe('formatChinaDateTime', () => {
  it('prints 2026-11-25T16:00:00Z as the next day in China', () => {
    expect(formatChinaDateTime(new Date('2026-11-25T16:00:00Z'))).toBe('2026/11/26 00:00:00');
  });

  it.each(INSTANTS)('prints %s as zh-CN formatting in Asia/Shanghai does', (instant) => {
    const date = new Date(instant);
    expect(formatChinaDateTime(date)).toBe(zhCnShanghai.format(date));
  });
});

describe('formatChinaClock', () => {
  it.each([
    ['2026-11-25T10:30:05Z', '18:30:05'],
    ['2026-11-25T16:00:00.999Z', '00:00:00'],
    ['2027-03-01T04:07:09Z', '12:07:09'],
  ])('prints %s as %s, the clock in China', (instant, expected) => {
    expect(formatChinaClock(new Date(instant))).toBe(expected);
  });
});
