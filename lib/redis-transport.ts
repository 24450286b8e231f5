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

export interface HttpRequesterOptions {
  url: string;
  token: string;
  timeoutMs: number;
}

export function createHttpRequester({ url, token, timeoutMs }: HttpRequesterOptions): Requester {
  const base = new URL(url);
  const secure = base.protocol === 'https:';
  const transport = secure ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 128 });
  const basePath = base.pathname.replace(/\/$/, '');

  return {
    readYourWrites: false,
    request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const body = JSON.stringify(req.body);
      const path = [basePath, ...(req.path ?? [])].join('/') || '/';
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
              ...req.headers,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: UpstashResponse<TResult>;
              try {
                parsed = JSON.parse(text) as UpstashResponse<TResult>;
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
    },
  };
}
