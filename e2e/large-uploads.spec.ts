import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { parseEnv } from 'node:util';
import { APP_URL } from '../playwright.config';
import { ENV_LOCAL_PATH } from '../scripts/local/load-env-file';
import { pidListeningOn, processName, residentBytes } from './fixtures/server-process';
import { expect, test } from './fixtures/test';

// A 1 GiB upload to any POST route, announced (Content-Length: 1 GiB) or streamed without a length
// (chunked), is answered early, read no further, and costs the server process (`next start`, measured
// from /proc) no more than a few MiB; meanwhile the server goes on answering other requests.
// The uploads are real HTTP over node:http: the client sends until the answer comes, as a client that
// gets one would.

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
/**
 * What an upload may add to the server's resident memory (at its peak, and once answered): the median
 * of three attempts under RSS_BOUND, none over RSS_CEILING. V8 now and then grows its young generation
 * by some tens of MiB at once, whatever the request (seen once in about forty uploads refused without
 * reading a byte); a route that kept any sizeable part of a body would show it in every attempt.
 */
const RSS_BOUND = 16 * MiB;
const RSS_CEILING = 64 * MiB;
const ATTEMPTS = 3;
/**
 * How much a client may have pushed before the answer, far from 1 GiB: the kernel's socket buffers
 * on both sides of a loopback connection hold up to about 36 MiB here (tcp_rmem 32 MiB + tcp_wmem
 * 4 MiB) without the server reading a byte.
 */
const SENT_BOUND = 64 * MiB;

const APP_PORT = Number(new URL(APP_URL).port);

/** The WeChat Pay public key id the app under test trusts (as scripts/up.ts reads it). */
function wechatpayPublicKeyId(): string {
  const fromFile = existsSync(ENV_LOCAL_PATH) ? parseEnv(readFileSync(ENV_LOCAL_PATH, 'utf8')) : {};
  const id = process.env.WECHATPAY_PUBLIC_KEY_ID || fromFile.WECHATPAY_PUBLIC_KEY_ID;
  if (!id) throw new Error('WECHATPAY_PUBLIC_KEY_ID: neither in the environment nor in .env.local');
  return id;
}

/**
 * Signature headers that pass every check made before the body is read (fresh, well-formed, a known
 * serial), with a signature that can't match: the route has to read the body to find out.
 */
function plausibleNotificationHeaders(): Record<string, string> {
  return {
    'Wechatpay-Timestamp': String(Math.floor(Date.now() / 1000)),
    'Wechatpay-Nonce': randomBytes(16).toString('hex').toUpperCase(),
    'Wechatpay-Signature': randomBytes(256).toString('base64'),
    'Wechatpay-Serial': wechatpayPublicKeyId(),
  };
}

type UploadResult = {
  status: number;
  /** Bytes the client got to send in all: before the answer, and in the half second it kept trying after. */
  sentBytes: number;
  /** Whether the server had answered the upload when /api/live answered (sent after the first KiB). */
  answeredBeforeLive: boolean;
  liveStatus: number;
  liveMs: number;
  rssBefore: number;
  rssPeak: number;
  rssAfter: number;
};

/**
 * POSTs up to 1 GiB of spaces: with `Content-Length: 1 GiB`, or chunked without a length. It sends the
 * first KiB, asks /api/live meanwhile, then streams the rest, honouring backpressure. Once answered it
 * goes on trying for half a second, as a client that ignores the answer would: a server that stopped
 * reading lets through no more than the sockets' buffers hold; one that read on would take hundreds of
 * MiB. Then it drops the connection. The server's RSS is sampled every 10 ms.
 */
async function upload(
  pid: number,
  path: string,
  headers: Record<string, string>,
  declared: boolean,
): Promise<UploadResult> {
  const rssBefore = residentBytes(pid);
  let rssPeak = rssBefore;
  const sample = () => {
    rssPeak = Math.max(rssPeak, residentBytes(pid));
  };
  const sampler = setInterval(sample, 10);
  // A kept-alive connection, as browsers and WeChat use: for a client asking for `Connection: close`,
  // Node closes the socket right after the answer, and the reset that unread input then causes can
  // reach the client before it has read the answer.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const request = httpRequest({
      host: '127.0.0.1',
      port: APP_PORT,
      path,
      method: 'POST',
      agent,
      headers: declared ? { ...headers, 'content-length': String(GiB) } : headers,
    });
    let sentBytes = 0;
    let answered = false;
    let stopped = false;
    const answer = new Promise<number>((resolve, reject) => {
      request.on('response', (response) => {
        answered = true;
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      // Once answered, the server may drop the connection under the client's writes.
      request.on('error', (error) => {
        stopped = true;
        if (!answered) reject(new Error(`upload failed before any answer, after ${sentBytes} B: ${error}`));
      });
    });
    const send = (size: number) => {
      const bytes = Math.min(size, GiB - sentBytes);
      sentBytes += bytes;
      return request.write(Buffer.alloc(bytes, 0x20));
    };
    send(KiB);
    const liveStarted = performance.now();
    const live = await fetch(`${APP_URL}/api/live`);
    const liveMs = performance.now() - liveStarted;
    const answeredBeforeLive = answered;
    // One chunk per turn of the event loop, so that an answer is read as soon as it arrives.
    const pump = () => {
      if (stopped) return;
      if (sentBytes >= GiB) {
        request.end();
        return;
      }
      if (send(64 * KiB)) setImmediate(pump);
      else request.once('drain', pump);
    };
    pump();
    const status = await answer;
    await new Promise((resolve) => setTimeout(resolve, 500));
    stopped = true;
    request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    sample();
    return {
      status,
      sentBytes,
      answeredBeforeLive,
      liveStatus: live.status,
      liveMs,
      rssBefore,
      rssPeak,
      rssAfter: residentBytes(pid),
    };
  } finally {
    clearInterval(sampler);
    agent.destroy();
  }
}

/** The same request with a body of a few bytes, so that the route's code is loaded before measuring. */
async function warmUp(path: string, headers: Record<string, string>): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const response = await fetch(`${APP_URL}${path}`, { method: 'POST', headers, body: '{}' });
    await response.arrayBuffer();
  }
}

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

type Case = {
  name: string;
  path: string;
  /** Headers of the upload; `cookie` is the signed-in browser's. */
  headers: (cookie: string) => Record<string, string>;
  status: number;
  /** The route reads the first KiB and waits for more (so /api/live answers while the upload is open). */
  reads: boolean;
};

const json = { 'content-type': 'application/json' };
const cases: Case[] = [
  {
    name: 'POST /api/orders, signed in (413 at 4 KiB)',
    path: '/api/orders',
    headers: (cookie) => ({ ...json, cookie }),
    status: 413,
    reads: true,
  },
  {
    name: 'POST /api/orders, not signed in (401, body unread)',
    path: '/api/orders',
    headers: () => json,
    status: 401,
    reads: false,
  },
  {
    name: 'POST /api/wechat-pay/notify with plausible signature headers (413 at 64 KiB)',
    path: '/api/wechat-pay/notify',
    headers: () => ({ ...json, ...plausibleNotificationHeaders() }),
    status: 413,
    reads: true,
  },
  {
    name: 'POST /api/wechat-pay/notify without signature headers (401, body unread)',
    path: '/api/wechat-pay/notify',
    headers: () => json,
    status: 401,
    reads: false,
  },
  {
    name: 'POST /api/auth/sign-in/social (413 at 8 KiB)',
    path: '/api/auth/sign-in/social',
    headers: () => ({ ...json, origin: APP_URL }),
    status: 413,
    reads: true,
  },
];

for (const { name, path, headers, status, reads } of cases) {
  for (const declared of [true, false]) {
    const kind = declared ? 'Content-Length: 1 GiB' : 'chunked, 1 GiB on offer';
    test(`${name}, ${kind}: answered early, the server's memory unmoved`, async ({ context }) => {
      const pid = pidListeningOn(APP_PORT);
      // The Next.js server itself, not the script that started it.
      expect(processName(pid)).toContain('next-server');
      const cookie = (await context.cookies(APP_URL)).map((c) => `${c.name}=${c.value}`).join('; ');
      await warmUp(path, headers(cookie));

      const peaks: number[] = [];
      const afters: number[] = [];
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const result = await upload(pid, path, headers(cookie), declared);
        const report =
          `${path} (${kind}) #${attempt} → ${result.status} after ${mib(result.sentBytes)} sent; ` +
          `RSS ${mib(result.rssBefore)}, peak +${mib(result.rssPeak - result.rssBefore)}, ` +
          `after +${mib(result.rssAfter - result.rssBefore)}; /api/live ${result.liveStatus} in ${result.liveMs.toFixed(0)} ms`;
        test.info().annotations.push({ type: 'memory', description: report });
        console.log(`[large-uploads] ${report}`);

        expect(result.status).toBe(status);
        expect(result.sentBytes).toBeLessThan(SENT_BOUND);
        expect(result.liveStatus).toBe(200);
        expect(result.liveMs).toBeLessThan(2000);
        // Where the route reads, /api/live answered while the upload was still going on.
        if (reads) expect(result.answeredBeforeLive).toBe(false);
        peaks.push(result.rssPeak - result.rssBefore);
        afters.push(result.rssAfter - result.rssBefore);
      }
      for (const deltas of [peaks, afters]) {
        expect(median(deltas)).toBeLessThan(RSS_BOUND);
        expect(Math.max(...deltas)).toBeLessThan(RSS_CEILING);
      }
    });
  }
}
