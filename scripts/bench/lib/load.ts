// One autocannon run, with every response's latency kept (autocannon's own histogram rounds to
// whole milliseconds, too coarse for routes that answer in one or two).
import autocannon from 'autocannon';

export interface LoadRun {
  label: string;
  /** Completed requests. */
  requests: number;
  /** Seconds, as autocannon measured the run. */
  durationS: number;
  /** Milliseconds, one per response (any status). */
  latenciesMs: Float64Array;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
}

export interface LoadOptions {
  label: string;
  url: string;
  headers?: Record<string, string>;
  seconds: number;
  connections: number;
}

export function runLoad(options: LoadOptions): Promise<LoadRun> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        headers: options.headers,
        connections: options.connections,
        pipelining: 1,
        duration: options.seconds,
        timeout: 10,
        // A run stops at the first sample after `duration`: sample often so that it ends on time.
        sampleInt: 100,
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {}))
          statusCodes[code] = count ?? 0;
        resolve({
          label: options.label,
          requests: latencies.length,
          durationS: result.duration,
          latenciesMs: Float64Array.from(latencies),
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
          statusCodes,
        });
      },
    );
    instance.on('response', (_client, _statusCode, _bytes, responseTimeMs) => {
      latencies.push(responseTimeMs);
    });
  });
}

export interface LoadSummary {
  label: string;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** Several runs of one route as one: total requests over total time, percentiles over all responses. */
export function summarize(label: string, runs: LoadRun[]): LoadSummary {
  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  const seconds = runs.reduce((sum, r) => sum + r.durationS, 0);
  const all = new Float64Array(requests);
  let offset = 0;
  for (const run of runs) {
    all.set(run.latenciesMs, offset);
    offset += run.latenciesMs.length;
  }
  all.sort();
  return {
    label,
    requests,
    requestsPerSecond: seconds > 0 ? requests / seconds : 0,
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    errors: runs.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}
