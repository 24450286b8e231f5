import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_DEFAULTS } from '../../lib/local-defaults';
import { type BackendKind, openBackend, type RedisBackend } from './backend';
import { createScriptRewriter, type ScriptRewriter } from './lua-scripts';
import {
  BadRequestError,
  CommandError,
  describeError,
  encodeOutcome,
  encodeReply,
  parseCommand,
  parseCommandBatch,
  parseJsonBody,
  readRequestBody,
} from './protocol';

export interface UpstashBridge {
  /** Base URL for `new Redis({ url, token })` from @upstash/redis. */
  url: string;
  token: string;
  backend: BackendKind;
  /** Where the data lives, for logs: redis:// URL (password masked) or the in-process emulation. */
  target: string;
  close(): Promise<void>;
}

export interface StartUpstashBridgeOptions {
  /** 0 = a random free port (default). */
  port?: number;
  /** Default 127.0.0.1: the token is a well-known dev value, so stay off the network by default. */
  host?: string;
  /** Default LOCAL_DEFAULTS.upstashToken, the same value the app's env defaults to. */
  token?: string;
  /** undefined = env REDIS_URL; when neither is set, a redis-server child or the in-process emulation. */
  redisUrl?: string;
  /** Forces a backend instead of choosing one (tests use 'in-process'). */
  backend?: BackendKind;
  log?: (message: string) => void;
}

interface BridgeContext {
  backend: RedisBackend;
  scripts: ScriptRewriter;
  tokenDigest: Buffer;
  log: (message: string) => void;
}

/** Serves Upstash's REST protocol (what @upstash/redis speaks) in front of a Redis backend. */
export async function startUpstashBridge(opts: StartUpstashBridgeOptions = {}): Promise<UpstashBridge> {
  const token = opts.token ?? LOCAL_DEFAULTS.upstashToken;
  if (token === '') throw new Error('upstash-local: the token must not be empty');
  const log = opts.log ?? (() => {});
  const backend = await openBackend({
    backend: opts.backend,
    redisUrl: opts.redisUrl,
    log,
    warn: opts.log ?? console.warn,
  });
  const context: BridgeContext = {
    backend,
    scripts: createScriptRewriter(),
    tokenDigest: digest(token),
    log,
  };

  const server = http.createServer((req, res) => {
    handleRequest(req, res, context).catch((error: unknown) => {
      log(`upstash-local: failed to answer ${req.method} ${req.url}: ${describeError(error)}`);
      if (!res.headersSent) sendJson(res, 500, { error: `ERR upstash-local: ${describeError(error)}` });
      else res.destroy();
    });
  });
  const host = opts.host ?? '127.0.0.1';
  try {
    await listen(server, opts.port ?? 0, host);
  } catch (error) {
    await backend.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token,
    backend: backend.kind,
    target: backend.target,
    close() {
      closing ??= closeServer(server).then(() => backend.close());
      return closing;
    },
  };
}

async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse, ctx: BridgeContext) {
  const url = new URL(req.url ?? '/', 'http://upstash-local');
  if (!isAuthorized(req, url, ctx.tokenDigest)) {
    sendJson(res, 401, { error: 'Unauthorized' });
    return;
  }
  if (req.method !== 'POST' && req.method !== 'GET') {
    sendJson(res, 405, { error: `Method ${req.method} not allowed: use POST` });
    return;
  }
  const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
  try {
    const body = req.method === 'POST' ? await readRequestBody(req) : '';
    const route = url.pathname.replace(/\/+$/, '');
    if (route === '/pipeline' || route === '/multi-exec') {
      const prepared = parseCommandBatch(parseJsonBody(body)).map((c) => ctx.scripts.prepareCommand(c));
      const commands = prepared.map((p) => p.command);
      const outcomes =
        route === '/pipeline'
          ? await ctx.backend.runPipeline(commands)
          : await ctx.backend.runTransaction(commands);
      const encoded = outcomes.map((outcome, i) => {
        const mapReply = prepared[i]?.mapReply;
        const mapped = 'result' in outcome && mapReply ? { result: mapReply(outcome.result) } : outcome;
        return encodeOutcome(mapped, base64);
      });
      sendJson(res, 200, encoded);
      return;
    }
    const command = route === '' ? parseCommand(parseJsonBody(body)) : parseCommandFromPath(route, body);
    const prepared = ctx.scripts.prepareCommand(command);
    const reply = prepared.mapReply(await ctx.backend.runCommand(prepared.command));
    sendJson(res, 200, { result: encodeReply(reply, base64) });
  } catch (error) {
    // Upstash answers both malformed requests and Redis error replies with 400 + {error}.
    if (error instanceof BadRequestError || error instanceof CommandError) {
      sendJson(res, 400, { error: error.message });
      return;
    }
    throw error;
  }
}

/** Upstash's URL form: `/set/key/value`; a POST body, when present, is the last argument. */
function parseCommandFromPath(route: string, body: string): string[] {
  const segments = route
    .split('/')
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new BadRequestError(`Malformed percent-encoding in URL segment '${segment}'`);
      }
    });
  return parseCommand(body === '' ? segments : [...segments, body], 'URL path');
}

/** `Authorization: Bearer <token>`, or `?_token=` as Upstash also accepts. */
function isAuthorized(req: http.IncomingMessage, url: URL, tokenDigest: Buffer): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  const presented = match?.[1] ?? url.searchParams.get('_token');
  // Comparing digests keeps the comparison constant-time whatever the presented length.
  return presented != null && timingSafeEqual(digest(presented), tokenDigest);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
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
