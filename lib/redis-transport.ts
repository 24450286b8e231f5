import 'server-only';
import http from 'node:http';
import https from 'node:https';
import type { Requester, UpstashRequest, UpstashResponse } from '@upstash/redis';
import { errors } from '@upstash/redis';
import CircuitBreaker from 'opossum';

// Upstash's REST protocol over node:http with a keep-alive agent, for @upstash/redis's commands.
// The client's default transport is the global fetch, which in a Next.js server is Next's
// instrumented fetch over undici: measured at about 500 µs of CPU per Redis call on this app's
// status route, roughly what the rest of the request costs (see README, Benchmark). Same wire
// protocol (POST JSON to /, /pipeline, /multi-exec; bearer token; {result} | {error}).
//
// Single commands issued in the same turn of the event loop travel together, as one `/pipeline`
// request (each command still answered on its own): the status route's rate-limit script and its
// status read cost one round trip, not two. @upstash/redis's own auto-pipelining can't do that: it
// keeps reads and writes (a GET and an EVALSHA) in separate pipelines, and it is off for a custom
// transport like this one.
//
// Every request passes one circuit breaker (opossum): when Redis stops answering (errors or answers
// slower than `slowMs`, half of the requests in ten seconds, at least five), the breaker opens and
// for the next five seconds every command fails at once with RedisUnavailableError instead of
// waiting for a timeout; then one request tries again. Callers that can do without Redis (the
// status route reads the database, limits let requests through) catch that error.

export interface HttpRequesterOptions {
  url: string;
  token: string;
  timeoutMs: number;
  /** An answer slower than this counts against Redis in the circuit breaker (default timeoutMs). */
  slowMs?: number;
  /** How long the breaker stays open before one request tries again (default 5 s). */
  reopenAfterMs?: number;
}

/** Redis can't be reached (or is too slow, or the breaker is open): nothing was done. */
export class RedisUnavailableError extends errors.UpstashError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = 'RedisUnavailableError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Redis answered and refused the command (WRONGTYPE, a script error…): Redis itself is fine. */
class RedisCommandError extends errors.UpstashError {}

interface Queued {
  command: unknown;
  resolve: (answer: UpstashResponse<unknown>) => void;
  reject: (error: unknown) => void;
}

export function createHttpRequester({
  url,
  token,
  timeoutMs,
  slowMs = timeoutMs,
  reopenAfterMs = 5_000,
}: HttpRequesterOptions): Requester {
  const base = new URL(url);
  const secure = base.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 128 });
  const basePath = base.pathname.replace(/\/$/, '');

  function send<T>(
    pathSegments: string[],
    payload: unknown,
    extraHeaders?: Record<string, string>,
  ): Promise<T> {
    const body = JSON.stringify(payload);
    const path = [basePath, ...pathSegments].join('/') || '/';
    return new Promise((resolve, reject) => {
      const outgoing = transport.request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port || (secure ? 443 : 80),
          path,
          method: 'POST',
          agent,
          timeout: timeoutMs,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...extraHeaders,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: T;
            try {
              parsed = JSON.parse(text) as T;
            } catch {
              reject(
                new RedisUnavailableError(
                  `Redis REST answered ${response.statusCode} with non-JSON: ${text.slice(0, 200)}`,
                ),
              );
              return;
            }
            const status = response.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              const message = (parsed as { error?: string }).error;
              // Upstash answers a command Redis refused with 400 and its error; anything else is trouble.
              if (status === 400 && message !== undefined) {
                // The command's name only: its arguments may be cache entries, addresses, user ids.
                reject(new RedisCommandError(`${message} (${commandNames(payload)})`));
              } else {
                reject(new RedisUnavailableError(`Redis REST answered HTTP ${status}: ${message ?? ''}`));
              }
              return;
            }
            resolve(parsed);
          });
        },
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(new RedisUnavailableError(`Redis REST request timed out after ${timeoutMs} ms`)),
      );
      outgoing.on('error', (error) =>
        reject(
          error instanceof RedisUnavailableError
            ? error
            : new RedisUnavailableError(error.message, { cause: error }),
        ),
      );
      outgoing.end(body);
    });
  }

  const breaker = new CircuitBreaker(send, {
    timeout: slowMs,
    resetTimeout: reopenAfterMs,
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    rollingCountTimeout: 10_000,
    // A refused command is an answer: Redis is up.
    errorFilter: (error: unknown) => error instanceof RedisCommandError,
  });

  function post<T>(
    pathSegments: string[],
    payload: unknown,
    extraHeaders?: Record<string, string>,
  ): Promise<T> {
    return (breaker.fire(pathSegments, payload, extraHeaders) as Promise<T>).catch((error: unknown) => {
      if (error instanceof errors.UpstashError) throw error;
      // opossum's own: the breaker is open, or the answer took longer than slowMs.
      throw new RedisUnavailableError(
        `Redis unavailable: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    });
  }

  let queue: Queued[] = [];

  function flush(): void {
    const batch = queue;
    queue = [];
    if (batch.length === 1) {
      const [only] = batch as [Queued];
      post<UpstashResponse<unknown>>([], only.command).then(only.resolve, only.reject);
      return;
    }
    post<UpstashResponse<unknown>[]>(
      ['pipeline'],
      batch.map((queued) => queued.command),
    ).then(
      (answers) => {
        // A command's own failure ({error}) is its answer: @upstash/redis raises it for that command only.
        batch.forEach((queued, index) => {
          const answer = Array.isArray(answers) ? answers[index] : undefined;
          if (answer) queued.resolve(answer);
          else queued.reject(new errors.UpstashError('Redis REST pipeline answered without this command'));
        });
      },
      (error: unknown) => {
        for (const queued of batch) queued.reject(error);
      },
    );
  }

  return {
    readYourWrites: false,
    request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      // Pipelines, transactions and anything with its own headers go out as they are.
      if ((req.path && req.path.length > 0) || req.headers)
        return post(req.path ?? [], req.body, req.headers);
      return new Promise((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        // One request per turn, however many: commands keep their order (INCR before its EXPIRE).
        queue.push({ command: req.body, resolve: resolve as Queued['resolve'], reject });
      });
    },
  };
}

function commandNames(payload: unknown): string {
  const commands = Array.isArray(payload) && Array.isArray(payload[0]) ? payload : [payload];
  return commands.map((command) => (Array.isArray(command) ? String(command[0]) : '?')).join(', ');
}
