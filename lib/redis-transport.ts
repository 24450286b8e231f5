import 'server-only';
import http from 'node:http';
import https from 'node:https';
import type { Requester, UpstashRequest, UpstashResponse } from '@upstash/redis';
import { errors } from '@upstash/redis';

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

export interface HttpRequesterOptions {
  url: string;
  token: string;
  timeoutMs: number;
}

/** Enough for any turn of this app; a burst beyond it goes out in several requests. */
const MAX_BATCH = 64;

interface Queued {
  command: unknown;
  resolve: (answer: UpstashResponse<unknown>) => void;
  reject: (error: unknown) => void;
}

export function createHttpRequester({ url, token, timeoutMs }: HttpRequesterOptions): Requester {
  const base = new URL(url);
  const secure = base.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 128 });
  const basePath = base.pathname.replace(/\/$/, '');

  function post<T>(
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
                new errors.UpstashError(
                  `Redis REST answered ${response.statusCode} with non-JSON: ${text.slice(0, 200)}`,
                ),
              );
              return;
            }
            const status = response.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              const message = (parsed as { error?: string }).error ?? `HTTP ${status}`;
              reject(new errors.UpstashError(`${message}, command was: ${body}`));
              return;
            }
            resolve(parsed);
          });
        },
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(new Error(`Redis REST request timed out after ${timeoutMs} ms`)),
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  let queue: Queued[] = [];

  function flush(): void {
    const batch = queue;
    queue = [];
    // A full batch went out early; the turn's scheduled flush then finds nothing (or the next few).
    if (batch.length === 0) return;
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
        queue.push({ command: req.body, resolve: resolve as Queued['resolve'], reject });
        if (queue.length >= MAX_BATCH) flush();
      });
    },
  };
}
