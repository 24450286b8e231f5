// The browser's checks of the server's answers (lib/api-client/answers.ts, valibot): what the app's
// routes answer passes, anything else is refused (null), so the page never acts on a stray body.
import { describe, expect, it } from 'vitest';
import {
  decodeApiErrorBody,
  decodeCreatedOrder,
  decodeOrderStatusView,
  decodeSignInUrl,
} from '@/lib/api-client/answers';

const view = {
  orderId: '5b1f8a4e-3a4b-4c7e-9a0e-1c2d3e4f5a6b',
  status: 'PENDING',
  amountFen: 100,
  updatedAt: '2026-12-02T08:00:00.000Z',
};

describe('decodeOrderStatusView', () => {
  it('passes a status view, with or without a reason', () => {
    expect(decodeOrderStatusView(view)).toEqual(view);
    expect(decodeOrderStatusView({ ...view, status: 'CLOSED', reason: '订单已关闭' })).toMatchObject({
      reason: '订单已关闭',
    });
  });

  it.each([
    ['an unknown status', { ...view, status: 'REFUNDED' }],
    ['a fractional amount', { ...view, amountFen: 1.5 }],
    ['an amount as text', { ...view, amountFen: '100' }],
    ['no updatedAt', { orderId: view.orderId, status: 'PAID', amountFen: 1 }],
    ['a reason that is not text', { ...view, reason: 1 }],
    ['not an object', 'PENDING'],
    ['null', null],
  ])('refuses %s', (_, body) => {
    expect(decodeOrderStatusView(body)).toBeNull();
  });
});

describe('decodeCreatedOrder', () => {
  const created = {
    orderId: view.orderId,
    outTradeNo: 'RC20261202160000ABCDEF123456',
    amountFen: 100,
    codeUrl: 'weixin://wxpay/bizpayurl?pr=abc',
    expiresAt: '2026-12-02T08:10:00.000Z',
    status: view,
  };

  it('passes a created order with its status', () => {
    expect(decodeCreatedOrder(created)).toEqual(created);
  });

  it('refuses one without a code_url, or with a status that is not one', () => {
    const { codeUrl: _, ...withoutCode } = created;
    expect(decodeCreatedOrder(withoutCode)).toBeNull();
    expect(decodeCreatedOrder({ ...created, status: { ...view, status: 'NOPE' } })).toBeNull();
  });
});

describe('decodeApiErrorBody', () => {
  it('passes the error body of every route, details optional', () => {
    const body = { error: { code: 'validation_failed', message: '参数错误' } };
    expect(decodeApiErrorBody(body)).toEqual(body);
    const detailed = {
      error: { ...body.error, details: [{ field: 'amountFen', message: '金额至少为 ¥0.01' }] },
    };
    expect(decodeApiErrorBody(detailed)).toEqual(detailed);
  });

  it('refuses anything else', () => {
    expect(decodeApiErrorBody({ error: 'boom' })).toBeNull();
    expect(decodeApiErrorBody({ error: { code: 'x', message: 'y', details: [{ field: 1 }] } })).toBeNull();
  });
});

describe('decodeSignInUrl', () => {
  it('answers the address to go to, and null for anything that is not one', () => {
    expect(decodeSignInUrl({ url: 'https://open.weixin.qq.com/connect/qrconnect?appid=wx1' })).toBe(
      'https://open.weixin.qq.com/connect/qrconnect?appid=wx1',
    );
    expect(decodeSignInUrl({ url: 'not a url' })).toBeNull();
    expect(decodeSignInUrl({ redirect: true })).toBeNull();
  });
});
