// A PostgreSQL cluster of the test's own (initdb in a temporary directory, its own port), that the
// test may crash and start again, never the machine's shared server. Debian's binaries; as root,
// run as the postgres user (initdb refuses root).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export interface PrivatePostgres {
  url: string;
  /** `pg_ctl stop -m immediate`: every backend gone at once, no checkpoint, as in a crash. */
  crash(): void;
  start(): void;
  close(): void;
}

const PROGRAMS_ROOT = '/usr/lib/postgresql';

/** Whether Debian's PostgreSQL programs (initdb, pg_ctl) are installed. */
export function hasPostgresPrograms(): boolean {
  try {
    return readdirSync(PROGRAMS_ROOT).some((version) =>
      existsSync(join(PROGRAMS_ROOT, version, 'bin', 'initdb')),
    );
  } catch {
    return false;
  }
}

function binDir(): string {
  const root = PROGRAMS_ROOT;
  const [version] = readdirSync(root)
    .filter((entry) => existsSync(join(root, entry, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (!version) throw new Error('no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)');
  return join(root, version, 'bin');
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, tool), args, { stdio: 'pipe' });
  const dir = mkdtempSync(join(os.tmpdir(), 'recharge-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () => {
    run('pg_ctl', ['start', '-w', '-D', data, '-o', options, '-l', join(dir, 'log')]);
  };
  start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    crash: () => run('pg_ctl', ['stop', '-m', 'immediate', '-D', data]),
    start,
    close() {
      try {
        run('pg_ctl', ['stop', '-m', 'immediate', '-D', data]);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
