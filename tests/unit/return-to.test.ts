import { describe, expect, it } from 'vitest';
import { finishSignInPath, safeReturnPath, signInPath } from '@/lib/auth/return-to';

// After signing in the browser goes back where it was: only ever to a path of this app.
describe('where sign-in returns to', () => {
  it.each([
    ['/', '/'],
    ['/orders', '/orders'],
    ['/orders?cursor=abc', '/orders?cursor=abc'],
    ['/recharge/0b6f5e2c-3c1d-4f7e-9a2b-1c2d3e4f5a6b', '/recharge/0b6f5e2c-3c1d-4f7e-9a2b-1c2d3e4f5a6b'],
  ])('keeps the path %s', (given, kept) => {
    expect(safeReturnPath(given)).toBe(kept);
  });

  it.each([
    ['nothing', undefined],
    ['an empty value', ''],
    ['another origin', 'https://evil.example/steal'],
    ['a protocol-relative URL', '//evil.example/steal'],
    ['a backslash trick', '/\\evil.example'],
    ['a relative path', 'orders'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['tab-smuggled slashes', '/\t/evil.example'],
    ['a dot segment before slashes', '/.//evil.example'],
    ['a parent segment before slashes', '/..//evil.example'],
    ['an encoded dot segment', '/%2e//evil.example'],
    ['a dot segment before a backslash', '/./\\evil.example'],
  ])('goes home instead of %s', (_name, given) => {
    expect(safeReturnPath(given)).toBe('/');
  });

  it('builds the sign-in and finish addresses around a safe path', () => {
    expect(signInPath('/')).toBe('/sign-in');
    expect(signInPath('/orders?cursor=a b')).toBe('/sign-in?next=%2Forders%3Fcursor%3Da%2520b');
    expect(signInPath('https://evil.example')).toBe('/sign-in');
    expect(finishSignInPath('//evil.example')).toBe('/sign-in/finish?next=%2F');
    expect(finishSignInPath('/orders')).toBe('/sign-in/finish?next=%2Forders');
  });
});
