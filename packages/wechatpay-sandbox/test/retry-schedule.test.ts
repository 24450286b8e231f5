import { describe, expect, it } from 'vitest';
import { RETRY_DELAYS_SECONDS } from '../src/notify';

// WeChat Pay's documented notification retry schedule (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h).
const WECHAT_SCHEDULE = [
  '15s',
  '15s',
  '30s',
  '3m',
  '10m',
  '20m',
  '30m',
  '30m',
  '30m',
  '60m',
  '3h',
  '3h',
  '3h',
  '6h',
  '6h',
];
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

describe('notification retry schedule', () => {
  it('is WeChat’s, interval by interval', () => {
    const expected = WECHAT_SCHEDULE.map(
      (step) => Number(step.slice(0, -1)) * (UNIT_SECONDS[step.slice(-1)] ?? 0),
    );
    expect(RETRY_DELAYS_SECONDS).toEqual(expected);
  });

  it('spans about 24 hours', () => {
    const total = RETRY_DELAYS_SECONDS.reduce((sum, s) => sum + s, 0);
    expect(total).toBe(86_640); // 24 h 4 min
  });
});
