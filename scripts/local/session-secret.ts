// The app's cookie-signing secret (SESSION_SECRET) for local runs and tests. Alphanumeric, so it
// needs no quoting in .env.local; 48 characters from the CSPRNG is well past the 32 the app requires.
import { randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function generateSessionSecret(): string {
  return Array.from({ length: 48 }, () => ALPHANUMERIC.charAt(randomInt(ALPHANUMERIC.length))).join('');
}
