import { expectAccessible } from './fixtures/axe';
import { openRechargePage, startRecharge } from './fixtures/recharge';
import { expect, test } from './fixtures/test';

test('an order is visible only to the user who made it', async ({ page, newVisitor, anonymousVisitor }) => {
  await openRechargePage(page);
  const order = await test.step('visitor A creates an order', () => startRecharge(page, { custom: '0.01' }));
  const statusPath = `/api/orders/${order.orderId}/status`;

  await test.step('A can read its status and its result page', async () => {
    const status = await page.request.get(statusPath);
    expect(status.status()).toBe(200);
    expect(await status.json()).toMatchObject({ orderId: order.orderId, status: 'PENDING', amountFen: 1 });
  });

  await test.step('someone not signed in gets 401 from the API and the sign-in page for the result page', async () => {
    const anonymous = await anonymousVisitor();
    const status = await anonymous.request.get(statusPath);
    expect(status.status()).toBe(401);
    expect(await status.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(JSON.stringify(await status.json())).not.toContain(order.outTradeNo);
    const created = await anonymous.request.post('/api/orders', { data: { amountFen: 1 } });
    expect(created.status()).toBe(401);

    await anonymous.goto(order.resultPath);
    await expect(anonymous).toHaveURL((url) => url.pathname === '/sign-in');
    expect(new URL(anonymous.url()).searchParams.get('next')).toBe(order.resultPath);
    await expect(anonymous.getByRole('button', { name: '微信扫码登录' })).toBeVisible();
    await expect(anonymous.getByText(order.outTradeNo)).toHaveCount(0);
  });

  await test.step('user B, signed in with no orders yet, gets 404 for it', async () => {
    const stranger = await newVisitor();
    const status = await stranger.request.get(statusPath);
    expect(status.status()).toBe(404);
    expect(JSON.stringify(await status.json())).not.toContain(order.outTradeNo);

    const response = await stranger.goto(order.resultPath);
    expect(response?.status()).toBe(404);
    await expect(stranger.getByRole('heading', { name: '页面不存在' })).toBeVisible();
    await expect(stranger.getByText(order.outTradeNo)).toHaveCount(0);
  });

  await test.step('user C, with an order of their own, gets 404 too', async () => {
    const other = await newVisitor();
    await openRechargePage(other);
    const own = await startRecharge(other, { custom: '0.01' });
    expect((await other.request.get(`/api/orders/${own.orderId}/status`)).status()).toBe(200);

    expect((await other.request.get(statusPath)).status()).toBe(404);
    const response = await other.goto(order.resultPath);
    expect(response?.status()).toBe(404);
    await expect(other.getByRole('heading', { name: '页面不存在' })).toBeVisible();
    await expectAccessible(other, 'the not-found page');
    await expect(other.getByText(order.outTradeNo)).toHaveCount(0);
  });

  await test.step('while A still sees its own order', async () => {
    await page.goto(order.resultPath);
    await expect(page.getByRole('heading', { level: 1, name: '支付结果尚未确认' })).toBeVisible();
    await expect(page.getByText(order.outTradeNo)).toBeVisible();
  });
});

test('a page whose session ends while it waits goes to the sign-in page, and back afterwards', async ({
  page,
}) => {
  await openRechargePage(page);
  await startRecharge(page, { custom: '0.01' });
  await test.step('the session ends (here: the cookies go, as after 退出登录 in another tab)', async () => {
    await page.context().clearCookies();
  });
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in', { timeout: 10_000 });
  expect(new URL(page.url()).searchParams.get('next')).toBeNull();
  await expect(page.getByRole('button', { name: '微信扫码登录' })).toBeVisible();
});
