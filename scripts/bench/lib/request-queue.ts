// A closed-loop load of distinct requests: `connections` workers, each sending the next request of a
// queue as soon as its previous one is answered, over keep-alive connections (node:http). For loads
// autocannon can't make exactly: every request its own body (a notification signed for it), each
// sent exactly once, so that what the server did can be checked request by request afterwards.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LoadRun } from './load';

export interface QueuedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface QueueOptions {
  label: string;
  /** http://host:port */
  baseUrl: string;
  connections: number;
  /** The next request to send; undefined when the load is over. Called once per request sent. */
  next(): QueuedRequest | undefined;
  /** Called with every answer (after its body was read). */
  onAnswer?(request: QueuedRequest, status: number, sentAt: number): void;
}

/** Runs until next() gives no more; answers the run as autocannon's runs are summarised. */
export async function runQueue(options: QueueOptions): Promise<LoadRun> {
  const target = new URL(options.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  const started = performance.now();
  const worker = async () => {
    for (let request = options.next(); request; request = options.next()) {
      const sentAt = performance.now();
      try {
        const status = await send(agent, target, request);
        latencies.push(performance.now() - sentAt);
        statusCodes[status] = (statusCodes[status] ?? 0) + 1;
        options.onAnswer?.(request, status, sentAt);
      } catch {
        errors++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    agent.destroy();
  }
  const durationS = (performance.now() - started) / 1000;
  const non2xx = Object.entries(statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    label: options.label,
    requests: latencies.length,
    durationS,
    latenciesMs: Float64Array.from(latencies),
    errors,
    timeouts: 0,
    non2xx,
    statusCodes,
  };
}

function send(agent: http.Agent, target: URL, request: QueuedRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));
    const outgoing = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.path,
        headers,
        timeout: 10_000,
      },
      (response) => {
        response.on('data', () => {});
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
