import type { Page } from '@playwright/test';
import { APP_URL } from '../playwright.config';
import { expect, test } from './fixtures/test';

// A page on another site (here http://localhost:…, while the app is http://127.0.0.1:…) tries to make
// a signed-in person's browser create an order: form posts of each kind a page can send without a
// CORS preflight, and fetch with credentials. Nothing is created; the session and cookies are as they were.

const EVIL = 'http://localhost:4599';

const FORMS: { name: string; enctype: string; field: [string, string] }[] = [
  // The classic trick: a text/plain form whose name=value reads as JSON.
  { name: 'text/plain', enctype: 'text/plain', field: ['{"amountFen":1,"x":"', '"}'] },
  { name: 'urlencoded', enctype: 'application/x-www-form-urlencoded', field: ['amountFen', '1'] },
  { name: 'multipart', enctype: 'multipart/form-data', field: ['amountFen', '1'] },
];

async function serveEvilPage(page: Page, html: string): Promise<void> {
  await page
    .context()
    .route(`${EVIL}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
    );
  await page.goto(`${EVIL}/attack`);
}

test('another site cannot make a signed-in browser create an order', async ({ page }) => {
  await page.goto('/orders');
  await expect(page.getByText('还没有充值记录')).toBeVisible();
  const cookiesBefore = await page.context().cookies(APP_URL);

  for (const form of FORMS) {
    await test.step(`a cross-site ${form.name} form post`, async () => {
      const [name, value] = form.field;
      const answered = page.waitForResponse((r) => r.url() === `${APP_URL}/api/orders`);
      await serveEvilPage(
        page,
        `<form method="post" action="${APP_URL}/api/orders" enctype="${form.enctype}">
           <input name='${name}' value='${value}'></form>
         <script>document.forms[0].submit()</script>`,
      );
      const response = await answered;
      expect([403, 415]).toContain(response.status());
      expect(response.headers()['set-cookie']).toBeUndefined();
    });
  }

  await test.step('cross-site fetch with credentials, as a simple request and as JSON', async () => {
    await serveEvilPage(page, '<p>evil</p>');
    const posts: number[] = [];
    const record = (response: { url(): string; request(): { method(): string }; status(): number }) => {
      if (response.url() === `${APP_URL}/api/orders` && response.request().method() === 'POST') {
        posts.push(response.status());
      }
    };
    page.on('response', record);
    const outcomes = await page.evaluate(async (url) => {
      const attempts = [
        {
          method: 'POST',
          credentials: 'include',
          mode: 'no-cors',
          headers: { 'Content-Type': 'text/plain' },
          body: '{"amountFen":1}',
        },
        {
          method: 'POST',
          credentials: 'include',
          headers: { 'Content-Type': 'application/json' },
          body: '{"amountFen":1}',
        },
      ] as RequestInit[];
      const results: string[] = [];
      for (const init of attempts) {
        try {
          const response = await fetch(url, init);
          results.push(`answered ${response.type} ${response.status}`);
        } catch (error) {
          results.push(`refused ${(error as Error).name}`);
        }
      }
      return results;
    }, `${APP_URL}/api/orders`);
    page.off('response', record);
    // The page learns nothing: the simple request's answer is opaque (or withheld by the browser), and
    // the JSON one never gets past the CORS preflight we don't grant.
    expect(['answered opaque 0', 'refused TypeError']).toContain(outcomes[0]);
    expect(outcomes[1]).toBe('refused TypeError');
    // What reached the server was refused.
    expect(posts.every((status) => status === 403 || status === 415)).toBe(true);
  });

  await test.step('nothing was created, and the session and its cookies are as they were', async () => {
    await page.goto(`${APP_URL}/orders`);
    await expect(page.getByText('还没有充值记录')).toBeVisible();
    const cookiesAfter = await page.context().cookies(APP_URL);
    const names = (list: typeof cookiesBefore) => list.map((c) => `${c.name}=${c.value}`).sort();
    expect(names(cookiesAfter).filter((c) => !c.includes('session_data'))).toEqual(
      names(cookiesBefore).filter((c) => !c.includes('session_data')),
    );
    await expect(page.getByTestId('signed-in-user')).toBeVisible();
  });
});

test('our own page still creates orders (same-origin JSON)', async ({ page }) => {
  await page.goto('/');
  const answer = await page.evaluate(async () => {
    const response = await fetch('/api/orders', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ amountFen: 1 }),
    });
    return response.status;
  });
  expect(answer).toBe(201);
});
