import { type Browser, test as base, type Page } from '@playwright/test';
import { APP_URL, SANDBOX_URL } from '../playwright.config';
import { expectAccessible } from './fixtures/axe';
import { watchCspViolations } from './fixtures/csp';
import { Phone, payLikeAPerson } from './fixtures/phone';
import { expectSuccessPage, readBalanceFen, startRecharge, yuan } from './fixtures/recharge';
import { expect } from './fixtures/test';
import { answerOnPhone, openWechatLogin } from './fixtures/wechat-login';

// Signing in the way payers do: scan WeChat's QR code and confirm on the phone. Fixed sandbox users
// (林小满, 周一鸣) keep their balance across runs of the stack, so amounts are compared with before.

const test = base.extend<{ phone: Phone; freshBrowser: () => Promise<Page> }>({
  context: async ({ context }, use) => {
    const checkCsp = watchCspViolations(context);
    await use(context);
    checkCsp();
  },
  phone: async ({ browser }, use) => {
    const phone = new Phone(browser);
    await use(phone);
    await phone.close();
  },
  freshBrowser: async ({ browser }, use) => {
    const pages: Page[] = [];
    const checks: (() => void)[] = [];
    await use(async () => {
      const page = await newContextPage(browser);
      checks.push(watchCspViolations(page.context()));
      pages.push(page);
      return page;
    });
    for (const page of pages) await page.context().close();
    for (const check of checks) check();
  },
});

async function newContextPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    baseURL: APP_URL,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  return context.newPage();
}

/** From a page that requires a session, through WeChat's QR code and the phone, back to `path`. */
async function signInByScanning(page: Page, phone: Phone, path: string, nickname: string): Promise<void> {
  await page.goto(path);
  await openWechatLogin(page);
  await answerOnPhone(page, phone, { confirmAs: nickname });
  await expect(page).toHaveURL((url) => url.origin === APP_URL && url.pathname === path, { timeout: 15_000 });
  await expect(page.getByTestId('signed-in-user')).toContainText(nickname);
}

test('a person signs in by scanning, recharges, sees it in the history, and finds it again from another browser', async ({
  page,
  phone,
  freshBrowser,
}) => {
  await test.step('without a session the recharge page asks to sign in with WeChat', async () => {
    await page.goto('/');
    await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
    await expect(page.getByRole('heading', { name: '使用微信登录' })).toBeVisible();
    await expectAccessible(page, 'the sign-in page');
  });

  await test.step('they scan WeChat’s QR code and confirm as 林小满: back on the recharge page, signed in', () =>
    signInByScanning(page, phone, '/', '林小满'));
  await expect(page.getByTestId('signed-in-user').locator('img')).toHaveAttribute(
    'src',
    new RegExp(`^${SANDBOX_URL}/mmopen/lin/`),
  );
  const before = await readBalanceFen(page);

  const order = await test.step('they recharge ¥0.01, paying with a second scan', async () => {
    const started = await startRecharge(page, { custom: '0.01' });
    await payLikeAPerson(page, phone, { amount: '¥0.01' });
    await expectSuccessPage(page, started, { balanceFen: before + 1, timeout: 10_000 });
    return started;
  });

  await test.step('充值记录 lists the order first, paid, in Beijing time, linking to its result page', async () => {
    await page.goto('/');
    await page.getByRole('link', { name: '充值记录' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('充值记录');
    const first = page.getByTestId('history-order').first();
    await expect(first).toContainText(order.outTradeNo);
    await expect(first.getByTestId('history-status')).toHaveText('充值成功');
    await expect(first).toContainText(yuan(1));
    await expect(first).toContainText(/创建 \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/);
    await expect(first).toContainText(/支付 \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/);
    await expect(page.getByTestId('balance')).toHaveText(yuan(before + 1));
    await expectAccessible(page, 'the history page');
  });

  await test.step('退出登录 ends the session: the pages and the API ask for a sign-in again', async () => {
    await page.getByRole('button', { name: '退出登录' }).click();
    await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
    await page.goto('/orders');
    await expect(page).toHaveURL(
      (url) => url.pathname === '/sign-in' && url.searchParams.get('next') === '/orders',
    );
    expect((await page.request.get(`/api/orders/${order.orderId}/status`)).status()).toBe(401);
  });

  await test.step('in a fresh browser, signing in again as 林小满 shows the same balance and history', async () => {
    const elsewhere = await freshBrowser();
    await signInByScanning(
      elsewhere,
      new Phone(elsewhere.context().browser() as Browser),
      '/orders',
      '林小满',
    );
    await expect(elsewhere.getByTestId('balance')).toHaveText(yuan(before + 1));
    await expect(elsewhere.getByTestId('history-order').first()).toContainText(order.outTradeNo);
    await elsewhere.goto(order.resultPath);
    await expect(elsewhere.getByRole('heading', { level: 1, name: '充值成功' })).toBeVisible();
  });

  await test.step('another WeChat user, 周一鸣, sees neither the order nor that balance', async () => {
    const other = await freshBrowser();
    await signInByScanning(other, phone, '/orders', '周一鸣');
    await expect(other.getByText(order.outTradeNo)).toHaveCount(0);
    expect((await other.request.get(`/api/orders/${order.orderId}/status`)).status()).toBe(404);
    const response = await other.goto(order.resultPath);
    expect(response?.status()).toBe(404);
  });
});

test('tapping 拒绝 on the phone brings the browser back to the sign-in page, not signed in', async ({
  page,
  phone,
}) => {
  await page.goto('/orders');
  await openWechatLogin(page);
  await answerOnPhone(page, phone, 'refuse');
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in', { timeout: 15_000 });
  await expect(page.getByRole('alert').filter({ hasText: '你已取消微信登录' })).toBeVisible();
  await page.goto('/orders');
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
});

test('an expired login QR code says so and offers a new one; nothing is signed in', async ({
  page,
  request,
}) => {
  await page.goto('/');
  await openWechatLogin(page);
  const expired = await request.post(`${SANDBOX_URL}/sandbox/logins/expire`, { data: {} });
  expect(expired.status()).toBe(200);
  await expect(page.getByRole('status')).toHaveText('二维码已失效', { timeout: 30_000 });
  await page.getByRole('button', { name: '刷新二维码' }).click();
  await expect(page.getByRole('status')).toHaveText('使用微信扫一扫登录');
  await page.goto(APP_URL);
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in');
});
