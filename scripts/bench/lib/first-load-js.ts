// First-load JavaScript: what a browser with an empty cache downloads to show a page, counted from
// the browser's side. Every response of type script (or with a JavaScript content type) between the
// navigation and the network going idle (500 ms without a request), so chunks loaded by other
// chunks count too; scripts inlined in the HTML (Next.js's flight data) don't. Both sizes are
// reported: as transferred (the encoded body, gzip from `next start`; headers excluded) and as
// decoded (what the browser parses).
import type { Browser } from '@playwright/test';

interface ScriptDownload {
  /** The path (and query) on the page's server, or the whole URL for another origin. */
  url: string;
  transferredBytes: number;
  decodedBytes: number;
}

export interface FirstLoadJs {
  url: string;
  status: number;
  scripts: ScriptDownload[];
  transferredBytes: number;
  decodedBytes: number;
}

/** `cookieHeader`: a session's cookies (`a=b; c=d`), set in a fresh context before the navigation. */
export async function measureFirstLoadJs(
  browser: Browser,
  url: string,
  cookieHeader?: string,
): Promise<FirstLoadJs> {
  const origin = new URL(url).origin;
  const context = await browser.newContext();
  try {
    if (cookieHeader) await context.addCookies(parseCookieHeader(cookieHeader, origin));
    const page = await context.newPage();
    const pending: Promise<ScriptDownload | null>[] = [];
    page.on('requestfinished', (request) => {
      pending.push(
        (async () => {
          const response = await request.response();
          if (!response) return null;
          const type = response.headers()['content-type'] ?? '';
          if (request.resourceType() !== 'script' && !/javascript/i.test(type)) return null;
          const sizes = await request.sizes();
          const body = await response.body();
          const address = new URL(request.url());
          return {
            url: address.origin === origin ? address.pathname + address.search : request.url(),
            transferredBytes: sizes.responseBodySize,
            decodedBytes: body.length,
          };
        })(),
      );
    });
    const response = await page.goto(url, { waitUntil: 'networkidle', timeout: 60_000 });
    const status = response?.status() ?? 0;
    const finalUrl = page.url();
    if (status !== 200 || new URL(finalUrl).pathname !== new URL(url).pathname) {
      throw new Error(`GET ${url}: ${status}, ended on ${finalUrl} (not signed in?)`);
    }
    const scripts = (await Promise.all(pending)).filter((s): s is ScriptDownload => s !== null);
    if (scripts.length === 0) throw new Error(`GET ${url}: no JavaScript downloaded`);
    return {
      url,
      status,
      scripts,
      transferredBytes: scripts.reduce((sum, s) => sum + s.transferredBytes, 0),
      decodedBytes: scripts.reduce((sum, s) => sum + s.decodedBytes, 0),
    };
  } finally {
    await context.close();
  }
}

function parseCookieHeader(header: string, url: string): { name: string; value: string; url: string }[] {
  return header
    .split(';')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url };
    });
}

export function kb(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}
