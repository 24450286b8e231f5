import { randomBytes, randomInt } from 'node:crypto';

// Identifiers shaped like WeChat Pay's (nonces, code_url tokens, transaction ids), drawn from the CSPRNG
// because a merchant's replay and idempotency checks key on them.

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet.charAt(randomInt(alphabet.length));
  return out;
}

export function randomAlphanumeric(length: number): string {
  return pick(ALPHANUMERIC, length);
}

export function randomDigits(length: number): string {
  return pick('0123456789', length);
}

export function randomUpperHex(bytes: number): string {
  return randomBytes(bytes).toString('hex').toUpperCase();
}
