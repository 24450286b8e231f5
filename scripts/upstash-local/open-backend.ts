// Chooses where the data lives: an explicit Redis URL, else a private redis-server child process,
// else the in-memory emulation, so that `npm run up` works on any machine but prefers real Redis.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { BackendKind, RedisBackend } from './backend';
import { createInProcessBackend } from './in-process-backend';
import { connectIoredisBackend } from './ioredis-backend';
import { spawnRedisServer } from './redis-server-process';

export interface OpenBackendOptions {
  /** Forces a backend instead of choosing one. */
  backend?: BackendKind;
  /** undefined falls back to env REDIS_URL; an empty string means "no URL". */
  redisUrl?: string;
  log: (message: string) => void;
}

const IN_PROCESS_WARNING = `
*** upstash-local: no REDIS_URL and no redis-server on PATH: using the IN-PROCESS emulation
*** (ioredis-mock). Data lives in this process memory and is lost on exit; Lua support is limited.
*** Install Redis (apt-get install -y redis-server) or set REDIS_URL for anything beyond a quick try.
`;

export async function openBackend(options: OpenBackendOptions): Promise<RedisBackend> {
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? '';
  const binary = findExecutable('redis-server');
  const kind = options.backend ?? (redisUrl ? 'redis-url' : binary ? 'redis-server' : 'in-process');

  if (kind === 'redis-url') {
    if (!redisUrl) throw new Error("backend 'redis-url' needs redisUrl or REDIS_URL");
    return connectIoredisBackend({ url: redisUrl, kind, log: options.log });
  }
  if (kind === 'redis-server') {
    if (!binary) throw new Error("backend 'redis-server' needs redis-server on PATH");
    const server = await spawnRedisServer(binary);
    return connectIoredisBackend({ url: server.url, kind, log: options.log, onClose: server.stop }).catch(
      async (error: unknown) => {
        await server.stop();
        throw error;
      },
    );
  }
  options.log(IN_PROCESS_WARNING);
  return createInProcessBackend();
}

/** PATH lookup without spawning a shell (`which` is not on every image). */
function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
