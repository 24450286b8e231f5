import { defineConfig, devices } from '@playwright/test';

// E2E runs the real stack (scripts/up.ts) on its own ports, so it can run beside `npm run up`.
const APP_PORT = Number(process.env.E2E_APP_PORT ?? 3210);
const SANDBOX_PORT = Number(process.env.E2E_SANDBOX_PORT ?? 3310);
export const APP_URL = `http://127.0.0.1:${APP_PORT}`;
export const SANDBOX_URL = `http://127.0.0.1:${SANDBOX_PORT}`;
/**
 * How long the payment page waits for a final result before showing its timeout view (the app's
 * default is 30 s). Shortened so the timeout stories don't sit idle; still well past the 5 s after
 * which the server queries WeChat itself, so the background-query stories finish before it.
 */
export const PAGE_TIMEOUT_MS = 12_000;

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './e2e',
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 90_000,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: APP_URL,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        // Debian's Chromium: Playwright's own browser download is not possible offline.
        launchOptions: {
          executablePath: chromiumPath,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-dev-shm-usage',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
  ],
  webServer: {
    command: 'npx tsx scripts/up.ts --no-build',
    url: `${APP_URL}/api/health`,
    timeout: 180_000,
    reuseExistingServer: !process.env.CI,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      APP_PORT: String(APP_PORT),
      LOCAL_DATA_DIR: '.data/e2e',
      WECHATPAY_BASE_URL: SANDBOX_URL,
      WECHAT_LOGIN_OPEN_BASE_URL: SANDBOX_URL,
      WECHAT_LOGIN_API_BASE_URL: SANDBOX_URL,
      APP_BASE_URL: APP_URL,
      WECHATPAY_NOTIFY_URL: `${APP_URL}/api/wechat-pay/notify`,
      EMBEDDED_POSTGRES_PORT: String(APP_PORT + 51_000),
      UPSTASH_LOCAL_PORT: String(APP_PORT + 5_000),
      PAGE_TIMEOUT_MS: String(PAGE_TIMEOUT_MS),
      // WeChat's switch-over from platform certificates to the public key: the sandbox signs some
      // notifications with each, the app verifies both (and downloads the certificates at start).
      // e2e/certificate-mode.spec.ts moves the sandbox to certificates alone.
      SANDBOX_VERIFICATION_MODE: 'both',
      WECHATPAY_VERIFY_WITH: 'both',
      // A refund succeeds at the sandbox a second after it is accepted (WeChat: seconds to days).
      SANDBOX_REFUND_DELAY_SECONDS: '1',
      // Every story signs a new user in, and pays, from this one address (the per-user limits stay
      // as shipped: each story is a new user; e2e/rate-limit.spec.ts meets one).
      SIGN_IN_RATE_LIMIT_PER_MINUTE: '10000',
      ORDER_RATE_LIMIT_PER_IP_PER_MINUTE: '10000',
      STATUS_POLL_RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
    },
  },
});
