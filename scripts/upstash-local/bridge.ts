// Serves Upstash's REST protocol in front of a Redis backend: what @upstash/redis (the app) and
// @upstash/ratelimit send, and nothing else. POST `/` (one command), `/pipeline` (each command
// answered on its own), `/multi-exec` (one transaction); bearer token; `{result}` or `{error}`.
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServiceLogger, type Logger } from '@recharge/log';
import { LOCAL_DEFAULTS } from '../../lib/local-defaults';
import type { BackendKind, RedisBackend } from './backend';
import { createShebangRewriter } from './lua-shebang';
import { openBackend } from './open-backend';
import {
  BadRequestError,
  CommandError,
  type CommandOutcome,
  describeError,
  encodeOutcome,
  encodeReply,
  parseCommand,
  parseCommandBatch,
  parseJsonBody,
} from './protocol';

export interface UpstashBridge {
  /** Base URL for `new Redis({ url, token })` from @upstash/redis. */
  url: string;
  token: string;
  backend: BackendKind;
  /** Where the data lives, for logs: redis:// URL (password masked) or the in-process emulation. */
  target: string;
  /** What reached it so far: HTTP requests (round trips) and the Redis commands they carried. */
  traffic(): BridgeTraffic;
  close(): Promise<void>;
}

export interface BridgeTraffic {
  requests: number;
  commands: number;
}

export interface StartUpstashBridgeOptions {
  /** 0 = a random free port (default). */
  port?: number;
  /** Default LOCAL_DEFAULTS.upstashToken, the same value the app's env defaults to. */
  token?: string;
  /** undefined = env REDIS_URL; when neither is set, a redis-server child or the in-process emulation. */
  redisUrl?: string;
  /** Forces a backend instead of choosing one (tests use 'in-process'). */
  backend?: BackendKind;
  /** Default: warnings of the shared logger (service upstash-local): Redis connection trouble, the in-process warning. */
  log?: (message: string) => void;
}

type Handler = (body: unknown, base64: boolean) => Promise<unknown>;

// Loopback only: the token is a well-known dev value.
const HOST = '127.0.0.1';

let defaultLogger: Logger | undefined;

/** Made on first use: tests that pass their own `log` never create it. */
function bridgeLogger(): Logger {
  defaultLogger ??= createServiceLogger('upstash-local');
  return defaultLogger;
}

export async function startUpstashBridge(opts: StartUpstashBridgeOptions = {}): Promise<UpstashBridge> {
  const token = opts.token ?? LOCAL_DEFAULTS.upstashToken;
  if (token === '') throw new Error('upstash-local: the token must not be empty');
  const log = opts.log ?? ((message: string) => bridgeLogger().warn(message));
  const backend = await openBackend({ backend: opts.backend, redisUrl: opts.redisUrl, log });
  const traffic: BridgeTraffic = { requests: 0, commands: 0 };
  const routes = createRoutes(backend, traffic);
  const tokenDigest = digest(token);

  const server = http.createServer((req, res) => {
    traffic.requests++;
    answer(req, routes, tokenDigest).then(
      ({ status, payload }) => sendJson(res, status, payload),
      (error: unknown) => {
        log(`upstash-local: failed to answer ${req.method} ${req.url}: ${describeError(error)}`);
        sendJson(res, 500, { error: `ERR upstash-local: ${describeError(error)}` });
      },
    );
  });
  await listen(server, opts.port ?? 0).catch(async (error: unknown) => {
    await backend.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${HOST}:${port}`,
    token,
    backend: backend.kind,
    target: backend.target,
    traffic: () => ({ ...traffic }),
    close() {
      closing ??= closeServer(server).then(() => backend.close());
      return closing;
    },
  };
}

function createRoutes(backend: RedisBackend, traffic: BridgeTraffic): Map<string, Handler> {
  const rewrite = createShebangRewriter();
  // A command Redis refused is that command's answer ({error}); a Redis that can't be reached fails the
  // whole request (HTTP 500), as Upstash answers when its database is unavailable, so that clients
  // see an outage and not a batch of command errors.
  const settle = (command: string[]): Promise<CommandOutcome> =>
    backend.run(rewrite(command)).then(
      (result) => ({ result }),
      (error: unknown) => {
        if (error instanceof CommandError) return { error: describeError(error) };
        throw error;
      },
    );
  return new Map<string, Handler>([
    [
      '/',
      async (body, base64) => {
        traffic.commands++;
        return { result: encodeReply(await backend.run(rewrite(parseCommand(body))), base64) };
      },
    ],
    [
      '/pipeline',
      async (body, base64) => {
        const batch = parseCommandBatch(body);
        traffic.commands += batch.length;
        const outcomes = await Promise.all(batch.map(settle));
        return outcomes.map((outcome) => encodeOutcome(outcome, base64));
      },
    ],
    [
      '/multi-exec',
      async (body, base64) => {
        const batch = parseCommandBatch(body);
        traffic.commands += batch.length;
        const outcomes = await backend.runTransaction(batch.map(rewrite));
        return outcomes.map((outcome) => encodeOutcome(outcome, base64));
      },
    ],
  ]);
}

async function answer(
  req: http.IncomingMessage,
  routes: Map<string, Handler>,
  tokenDigest: Buffer,
): Promise<{ status: number; payload: unknown }> {
  if (!isAuthorized(req, tokenDigest)) return { status: 401, payload: { error: 'Unauthorized' } };
  const route = routes.get(new URL(req.url ?? '/', 'http://upstash-local').pathname.replace(/(.)\/+$/, '$1'));
  if (req.method !== 'POST' || route === undefined) {
    return {
      status: 404,
      payload: { error: `ERR ${req.method} ${req.url}: use POST /, /pipeline or /multi-exec` },
    };
  }
  const base64 = String(req.headers['upstash-encoding']).toLowerCase() === 'base64';
  try {
    return { status: 200, payload: await route(parseJsonBody(await readBody(req)), base64) };
  } catch (error) {
    // Upstash answers both malformed requests and Redis error replies with 400 + {error}.
    if (error instanceof BadRequestError || error instanceof CommandError) {
      return { status: 400, payload: { error: error.message } };
    }
    throw error;
  }
}

function isAuthorized(req: http.IncomingMessage, tokenDigest: Buffer): boolean {
  const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization?.trim() ?? '')?.[1];
  // Comparing digests keeps the comparison constant-time whatever the presented length.
  return presented !== undefined && timingSafeEqual(digest(presented), tokenDigest);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** @upstash/redis keeps connections alive: without dropping idle ones, close() would wait for them. */
function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Requests still running get a moment to finish before their connections are cut.
    setTimeout(() => server.closeAllConnections(), 1_000).unref();
  });
}
