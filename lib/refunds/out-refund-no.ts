import { randomBytes } from 'node:crypto';
import { formatChinaTimestamp } from '../china-time';

// WeChat: 1–64 characters of [0-9A-Za-z_-|*@], unique per merchant; the same number sent again refunds
// once. "RF" + China-time timestamp + 12 random characters = 28, generated once per refund and kept.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

export function generateOutRefundNo(now: Date = new Date()): string {
  let suffix = '';
  for (const byte of randomBytes(12)) suffix += ALPHABET[byte % ALPHABET.length];
  return `RF${formatChinaTimestamp(now)}${suffix}`;
}
