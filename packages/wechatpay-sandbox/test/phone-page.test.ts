import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDevKeySet } from '../src/keys';
import { type RunningSandbox, startSandbox } from '../src/server';
import { Merchant, newOutTradeNo } from './support/merchant';

const keys = generateDevKeySet();
let sandbox: RunningSandbox;
let merchant: Merchant;

beforeAll(async () => {
  sandbox = await startSandbox({ ...keys, port: 0, timeScale: 1000, merchantName: '星河充值中心' });
  merchant = new Merchant(sandbox.url, keys);
});
afterAll(() => sandbox.close());

async function createOrder(extra: Record<string, unknown> = {}) {
  const outTradeNo = newOutTradeNo();
  const params = merchant.orderParams(outTradeNo, 'http://127.0.0.1:3000/api/wechat-pay/notify', extra);
  const response = await merchant.create(params);
  return { outTradeNo, codeUrl: response.json.code_url as string };
}

async function phone(codeUrl?: string) {
  const query = codeUrl === undefined ? '' : `?code_url=${encodeURIComponent(codeUrl)}`;
  const response = await fetch(`${sandbox.url}/phone${query}`);
  return { status: response.status, html: await response.text() };
}

async function submit(action: 'pay' | 'fail', codeUrl: string) {
  const response = await fetch(`${sandbox.url}/phone/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code_url: codeUrl }).toString(),
    redirect: 'manual',
  });
  expect(response.status).toBe(303);
  return response.headers.get('location');
}

describe('phone page', () => {
  it('shows the merchant, description and amount for a code_url, with 支付 and a failure button', async () => {
    const { codeUrl } = await createOrder({
      amount: { total: 5000, currency: 'CNY' },
      description: '会员充值',
    });
    const { status, html } = await phone(codeUrl);
    expect(status).toBe(200);
    expect(html).toContain('lang="zh-CN"');
    expect(html).toContain('星河充值中心');
    expect(html).toContain('会员充值');
    expect(html).toContain('¥50.00');
    expect(html).toMatch(/<button[^>]*>支付<\/button>/);
    expect(html).toMatch(/<button[^>]*>模拟付款失败<\/button>/);
  });

  it('formats fen as yuan with two decimals', async () => {
    const { codeUrl } = await createOrder({ amount: { total: 7, currency: 'CNY' } });
    expect((await phone(codeUrl)).html).toContain('¥0.07');
  });

  it('pays through the form, then shows 支付成功', async () => {
    const { outTradeNo, codeUrl } = await createOrder();
    expect(await submit('pay', codeUrl)).toBe(`/phone?code_url=${encodeURIComponent(codeUrl)}`);
    expect((await phone(codeUrl)).html).toContain('<h1>支付成功</h1>');
    expect((await merchant.query(outTradeNo)).json.trade_state).toBe('SUCCESS');
    await submit('pay', codeUrl);
    expect((await merchant.query(outTradeNo)).json.trade_state).toBe('SUCCESS');
  });

  it('fails through the form, then shows 支付失败', async () => {
    const { outTradeNo, codeUrl } = await createOrder();
    await submit('fail', codeUrl);
    expect((await phone(codeUrl)).html).toContain('<h1>支付失败</h1>');
    expect((await merchant.query(outTradeNo)).json.trade_state).toBe('PAYERROR');
  });

  it('says so, in Chinese, for closed and unknown codes', async () => {
    const { outTradeNo, codeUrl } = await createOrder();
    await merchant.close(outTradeNo);
    const closed = await phone(codeUrl);
    expect(closed.html).toContain('订单已关闭');
    expect(closed.html).not.toMatch(/>支付<\/button>/);

    const unknown = await phone('weixin://wxpay/bizpayurl?pr=doesnotexist');
    expect(unknown.status).toBe(404);
    expect(unknown.html).toContain('无法识别的二维码');
  });

  it('escapes what the merchant sent', async () => {
    const { codeUrl } = await createOrder({ description: '<script>alert(1)</script>' });
    const { html } = await phone(codeUrl);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
  });

  it('lists payable orders on the scan screen', async () => {
    const { codeUrl } = await createOrder({ description: '待付款的订单' });
    const { html } = await phone();
    expect(html).toContain('待付款的订单');
    expect(html).toContain(`href="/phone?code_url=${encodeURIComponent(codeUrl)}"`);
  });
});
