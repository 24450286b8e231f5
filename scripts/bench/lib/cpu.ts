// CPU time of the processes taking part in a run, per request: on a small, shared machine the
// requests/s move with whatever else runs, the CPU each request costs much less so.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface CpuMeter {
  name: string;
  /** Cumulative CPU milliseconds (user + system, all threads); null when it can't be read. */
  read(): number | null;
}

const ticksPerSecond = (() => {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const value = Number(result.stdout?.trim());
  return Number.isFinite(value) && value > 0 ? value : 100;
})();

/** Another process on this machine, from /proc (Linux); null elsewhere or once it is gone. */
export function processCpuMeter(name: string, pid: number | undefined): CpuMeter {
  return {
    name,
    read() {
      if (!pid) return null;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // Fields after "(comm)": state is field 3, utime 14, stime 15.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
      } catch {
        return null;
      }
    },
  };
}

/** This process: the load generator, and the in-process Upstash bridge and WeChat Pay sandbox. */
export function ownCpuMeter(name: string): CpuMeter {
  return {
    name,
    read() {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    },
  };
}

/** The pid of a Redis server when it runs on this machine (INFO server's process_id), else undefined. */
export function localRedisPid(info: string): number | undefined {
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  if (!pid) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('redis') ? pid : undefined;
  } catch {
    return undefined;
  }
}

export type CpuSnapshot = Record<string, number | null>;

export function snapshot(meters: CpuMeter[]): CpuSnapshot {
  return Object.fromEntries(meters.map((m) => [m.name, m.read()]));
}

/** CPU ms per meter between two snapshots (null where either side was unreadable). */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const spent: CpuSnapshot = {};
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    spent[name] = end === null || start === null || start === undefined ? null : end - start;
  }
  return spent;
}

/** Several spans as one (null for a meter unreadable in any of them). */
export function sumCpu(spent: CpuSnapshot[]): CpuSnapshot {
  const total: CpuSnapshot = {};
  for (const one of spent) {
    for (const [name, ms] of Object.entries(one)) {
      const sofar = total[name];
      total[name] = ms === null || sofar === null ? null : (sofar ?? 0) + ms;
    }
  }
  return total;
}
