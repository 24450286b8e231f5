// GET /sign-in/finish (app/sign-in/finish/route.ts), where WeChat sign-in ends: with an
// anonymous-era account cookie, the account is merged into the user's wallet once and the cookie
// goes; then on to `next`, a path of this app only.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACCOUNT_COOKIE, signAccountId } from '@/lib/accounts/account-cookie';
import { getWalletBalanceFen } from '@/lib/accounts/wallet';
import { getAuth } from '@/lib/auth/auth';
import { getDb } from '@/lib/db';
import { settlePaidOrder } from '@/lib/orders/settle-order';
import { signInViaSandbox } from '../../../scripts/local/sandbox-sign-in';
import { type AuthHarness, startAuthHarness } from '../../support/auth-harness';

// The request the route sees: its cookies, and what it deletes.
const request = { cookies: new Map<string, string>(), deleted: [] as string[] };
vi.mock('next/headers', () => ({
  headers: async () =>
    new Headers({ cookie: [...request.cookies].map(([name, value]) => `${name}=${value}`).join('; ') }),
  cookies: async () => ({
    get: (name: string) =>
      request.cookies.has(name) ? { name, value: request.cookies.get(name) } : undefined,
    delete: (name: string) => {
      request.deleted.push(name);
      request.cookies.delete(name);
    },
  }),
}));

const { GET } = await import('@/app/sign-in/finish/route');

let harness: AuthHarness;
const db = getDb();
beforeAll(async () => {
  harness = await startAuthHarness();
});
afterAll(async () => {
  await harness.close();
  await db.$disconnect();
});
beforeEach(() => {
  request.cookies.clear();
  request.deleted = [];
});

async function signIn(): Promise<string> {
  const user = `test-${randomUUID().slice(0, 8)}`;
  const { cookies } = await signInViaSandbox({
    appUrl: harness.appUrl,
    sandboxUrl: harness.sandbox.url,
    user,
  });
  for (const { name, value } of cookies) request.cookies.set(name, value);
  const session = await getAuth().api.getSession({
    headers: new Headers({ cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') }),
  });
  if (!session) throw new Error('not signed in');
  return session.user.id;
}

async function visitorAccountWithBalance(amountFen: number): Promise<string> {
  const account = await db.account.create({ data: {} });
  const order = await db.paymentOrder.create({
    data: {
      accountId: account.id,
      outTradeNo: `F${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      amountFen,
      description: '账户余额充值',
      expiresAt: new Date(Date.now() + 600_000),
    },
  });
  await settlePaidOrder(
    {
      outTradeNo: order.outTradeNo,
      transactionId: `44${Date.now()}`.slice(0, 32),
      amountFen,
      paidAt: new Date(),
    },
    { via: 'query' },
  );
  return account.id;
}

const finish = (next: string) =>
  GET(new Request(`${harness.appUrl}/sign-in/finish?next=${encodeURIComponent(next)}`));

describe('finishing a sign-in', () => {
  it('merges the anonymous-era account of this browser into the wallet, once, and forgets its cookie', async () => {
    const userId = await signIn();
    const visitor = await visitorAccountWithBalance(321);
    const cookie = signAccountId(visitor, process.env.SESSION_SECRET ?? '');
    request.cookies.set(ACCOUNT_COOKIE, cookie);

    const response = await finish('/orders');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${harness.appUrl}/orders`);
    expect(request.deleted).toEqual([ACCOUNT_COOKIE]);
    expect(await getWalletBalanceFen(userId)).toBe(321n);

    // The same cookie again (kept by another tab, say): nothing moves twice.
    request.cookies.set(ACCOUNT_COOKIE, cookie);
    expect((await finish('/')).status).toBe(303);
    expect(await getWalletBalanceFen(userId)).toBe(321n);
    expect(await db.accountMerge.count({ where: { sourceAccountId: visitor } })).toBe(1);
  });

  it('ignores a forged account cookie', async () => {
    const userId = await signIn();
    const visitor = await visitorAccountWithBalance(500);
    request.cookies.set(ACCOUNT_COOKIE, signAccountId(visitor, 'not-our-secret-'.repeat(3)));
    expect((await finish('/')).status).toBe(303);
    expect(await getWalletBalanceFen(userId)).toBe(0n);
    expect((await db.account.findUniqueOrThrow({ where: { id: visitor } })).balanceFen).toBe(500n);
  });

  it('sends a browser without a session back to the sign-in page, merging nothing', async () => {
    const visitor = await visitorAccountWithBalance(100);
    request.cookies.set(ACCOUNT_COOKIE, signAccountId(visitor, process.env.SESSION_SECRET ?? ''));
    const response = await finish('/orders');
    expect(response.headers.get('location')).toBe(`${harness.appUrl}/sign-in?next=%2Forders`);
    expect((await db.account.findUniqueOrThrow({ where: { id: visitor } })).mergedIntoId).toBeNull();
    expect(request.deleted).toEqual([]);
  });

  it('never goes to another site, whatever `next` says', async () => {
    await signIn();
    for (const next of ['https://evil.example/', '//evil.example', '/.//evil.example', '/\\evil.example']) {
      expect((await finish(next)).headers.get('location')).toBe(`${harness.appUrl}/`);
    }
  });
});
