import { openRechargePage, startRecharge } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

test('an order is visible only to the visitor who made it', async ({ page, newVisitor }) => {
  await openRechargePage(page);
  const order = await test.step('visitor A creates an order', () => startRecharge(page, { custom: '0.01' }));
  const statusPath = `/api/orders/${order.orderId}/status`;

  await test.step('A can read its status and its result page', async () => {
    const status = await page.request.get(statusPath);
    expect(status.status()).toBe(200);
    expect(await status.json()).toMatchObject({ orderId: order.orderId, status: 'PENDING', amountFen: 1 });
  });

  await test.step('visitor B, a fresh browser with no account yet, gets 404 for it', async () => {
    const stranger = await newVisitor();
    const status = await stranger.request.get(statusPath);
    expect(status.status()).toBe(404);
    expect(JSON.stringify(await status.json())).not.toContain(order.outTradeNo);

    const response = await stranger.goto(order.resultPath);
    expect(response?.status()).toBe(404);
    await expect(stranger.getByRole('heading', { name: '页面不存在' })).toBeVisible();
    await expect(stranger.getByText(order.outTradeNo)).toHaveCount(0);
  });

  await test.step('visitor C, with an account of their own, gets 404 too', async () => {
    const other = await newVisitor();
    await openRechargePage(other);
    const own = await startRecharge(other, { custom: '0.01' });
    expect((await other.request.get(`/api/orders/${own.orderId}/status`)).status()).toBe(200);

    expect((await other.request.get(statusPath)).status()).toBe(404);
    const response = await other.goto(order.resultPath);
    expect(response?.status()).toBe(404);
    await expect(other.getByRole('heading', { name: '页面不存在' })).toBeVisible();
    await expect(other.getByText(order.outTradeNo)).toHaveCount(0);
  });

  await test.step('while A still sees its own order', async () => {
    await page.goto(order.resultPath);
    await expect(page.getByRole('heading', { level: 1, name: '支付结果确认中' })).toBeVisible();
    await expect(page.getByText(order.outTradeNo)).toBeVisible();
  });
});
