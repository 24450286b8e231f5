// Formatting shared by the progress lines and the final report, so both print a run alike.
import os from 'node:os';
import { type LoadRun, percentile } from './load';

export function formatRun(run: LoadRun): string {
  const sorted = Float64Array.from(run.latenciesMs).sort();
  return (
    `${run.label.padEnd(26)} ${formatRps(run).padStart(6)} req/s  p50 ${percentile(sorted, 50).toFixed(2)} ms  ` +
    `p99 ${percentile(sorted, 99).toFixed(2)} ms  errors ${run.errors + run.timeouts}  non-2xx ${run.non2xx}`
  );
}

export function formatRps(run: LoadRun): string {
  return (run.requests / run.durationS).toFixed(0);
}

/** Printed at the start and with the results: the load average says how busy the shared machine was. */
export function describeMachine(): string {
  const cpus = os.cpus();
  return `${cpus.length} CPU ${cpus[0]?.model.trim() ?? '?'}, Node ${process.version}, load avg ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

export function markdownRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}
