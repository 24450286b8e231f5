import { randomBytes } from 'node:crypto';
import { formatChinaTimestamp } from '../china-time';

// WeChat: 6–32 characters of [0-9A-Za-z_*-], unique per merchant, a new one per payment attempt.
// "RC" + China-time timestamp (readable in support tickets) + 12 random characters = 28.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

export function generateOutTradeNo(now: Date = new Date()): string {
  const stamp = formatChinaTimestamp(now);
  const bytes = randomBytes(12);
  let suffix = '';
  for (const byte of bytes) suffix += ALPHABET[byte % ALPHABET.length];
  return `RC${stamp}${suffix}`;
}
