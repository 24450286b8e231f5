import { describe, expect, it } from 'vitest';
import { signAccountId, verifyAccountCookie } from '@/lib/accounts/account-cookie';

// Anonymous-era account cookies are still read once, at sign-in, to merge their account: only an
// intact cookie signed with our secret names an account.
const SECRET = 's'.repeat(32);
const ACCOUNT = '0b6f5e2c-3c1d-4f7e-9a2b-1c2d3e4f5a6b';

describe('anonymous-era account cookies', () => {
  it('names the account of a cookie we signed', () => {
    expect(verifyAccountCookie(signAccountId(ACCOUNT, SECRET), SECRET)).toBe(ACCOUNT);
  });

  it.each([
    ['no cookie', undefined],
    ['an empty cookie', ''],
    ['no signature', ACCOUNT],
    ['a signature by another secret', signAccountId(ACCOUNT, 't'.repeat(32))],
    [
      'another account with this signature',
      `${'1'.repeat(8)}${ACCOUNT.slice(8)}.${signAccountId(ACCOUNT, SECRET).split('.')[1]}`,
    ],
    ['a truncated signature', signAccountId(ACCOUNT, SECRET).slice(0, -2)],
    ['not a uuid', `not-a-uuid.${signAccountId(ACCOUNT, SECRET).split('.')[1]}`],
    ['a leading dot', `.${signAccountId(ACCOUNT, SECRET)}`],
  ])('names no account for %s', (_name, value) => {
    expect(verifyAccountCookie(value, SECRET)).toBeNull();
  });
});
