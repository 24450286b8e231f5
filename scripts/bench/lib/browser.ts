// The browser the page measurements use: Debian's Chromium (no browser downloads here), headless,
// with nothing of its own going to the network (no component updates, sync or field trials).
import { type Browser, chromium } from '@playwright/test';
import { onCleanup } from './cleanup';
import { CHROME_PATH } from './settings';

/** Flags for any Chromium the bench starts, through Playwright or chrome-launcher (Lighthouse). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--no-first-run',
  '--no-default-browser-check',
];

export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROME_PATH, args: CHROMIUM_FLAGS });
  onCleanup('chromium', () => browser.close());
  return browser;
}
