// Embedded PostgreSQL for a machine with nothing installed: PGlite (PostgreSQL compiled to WASM)
// served over a local TCP socket, so the app connects with the same pg driver adapter it uses in
// production. Data persists in a git-ignored folder. PGlite runs one query at a time, which is
// fine for development and tests; production uses a real PostgreSQL via DATABASE_URL.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  close(): Promise<void>;
}

/** Above the app's pool size plus scripts and tests, so no connection is refused (PGlite's default is 1). */
const MAX_CONNECTIONS = 40;

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  host?: string;
}): Promise<EmbeddedPostgres> {
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.dataDir, { recursive: true });
  const releaseLock = acquireDirLock(options.dataDir);
  try {
    const db = await PGlite.create(join(options.dataDir, 'pgdata'));
    const server = new PGLiteSocketServer({ db, port: options.port, host, maxConnections: MAX_CONNECTIONS });
    await server.start();
    // Port 0 asks for a free port; getServerConn() reports the one actually bound (host:port).
    const boundPort = server.getServerConn().split(':').pop();
    return {
      url: `postgresql://postgres@${host}:${boundPort}/postgres`,
      async close() {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/**
 * PGlite doesn't lock its data directory, and two processes writing one directory corrupt it.
 * A pid file refuses a second server while the first is alive and is taken over after a crash.
 */
function acquireDirLock(dataDir: string): () => void {
  const lockPath = join(dataDir, 'server.pid');
  if (existsSync(lockPath)) {
    const pid = Number(readFileSync(lockPath, 'utf8'));
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) {
      throw new Error(`The embedded database in ${dataDir} is already served by process ${pid}.`);
    }
  }
  writeFileSync(lockPath, String(process.pid));
  return () => rmSync(lockPath, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
