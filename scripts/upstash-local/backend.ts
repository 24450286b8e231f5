import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { createInProcessBackend } from './in-process-backend';
import { connectIoredisBackend } from './ioredis-backend';
import type { CommandOutcome, RedisReply } from './protocol';
import { spawnRedisServer } from './redis-server-process';

export type BackendKind = 'redis-url' | 'redis-server' | 'in-process';

/** What the HTTP layer needs from Redis; commands arrive validated and with scripts rewritten. */
export interface RedisBackend {
  kind: BackendKind;
  /** Where the data lives, for humans: a redis:// URL (password masked) or a description. */
  target: string;
  /** Resolves with the raw reply; rejects with CommandError when Redis answers an error. */
  runCommand(command: string[]): Promise<RedisReply>;
  /** Not atomic, like Upstash's /pipeline: every command gets its own outcome. */
  runPipeline(commands: string[][]): Promise<CommandOutcome[]>;
  /** MULTI/EXEC; rejects with CommandError (EXECABORT …) when the transaction is discarded. */
  runTransaction(commands: string[][]): Promise<CommandOutcome[]>;
  close(): Promise<void>;
}

export interface OpenBackendOptions {
  /** Forces a backend instead of choosing one. */
  backend?: BackendKind;
  /** undefined falls back to env REDIS_URL; an empty string means "no URL". */
  redisUrl?: string;
  log: (message: string) => void;
  warn: (message: string) => void;
}

const IN_PROCESS_WARNING = [
  '',
  '*** upstash-local: no REDIS_URL and no redis-server on PATH: using the IN-PROCESS emulation',
  '*** (ioredis-mock). Data lives in this process memory and is lost on exit; Lua support is limited',
  '*** and some commands/options behave differently. Install Redis (apt-get install -y redis-server)',
  '*** or set REDIS_URL for anything beyond a quick try.',
  '',
].join('\n');

/**
 * Chooses where the data lives: an explicit Redis URL, else a private redis-server child process,
 * else an in-memory emulation, so `npm run dev` works on any machine but prefers real Redis.
 */
export async function openBackend(options: OpenBackendOptions): Promise<RedisBackend> {
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? '';
  const kind = options.backend ?? chooseBackendKind(redisUrl);

  if (kind === 'redis-url') {
    if (redisUrl === '') throw new Error("backend 'redis-url' needs opts.redisUrl or REDIS_URL");
    return connectIoredisBackend({ url: redisUrl, kind, log: options.log });
  }
  if (kind === 'redis-server') {
    const binary = findExecutable('redis-server');
    if (binary === undefined) throw new Error("backend 'redis-server' needs redis-server on PATH");
    const server = await spawnRedisServer(binary);
    try {
      return await connectIoredisBackend({ url: server.url, kind, log: options.log, onClose: server.stop });
    } catch (error) {
      await server.stop();
      throw error;
    }
  }
  options.warn(IN_PROCESS_WARNING);
  return createInProcessBackend();
}

function chooseBackendKind(redisUrl: string): BackendKind {
  if (redisUrl !== '') return 'redis-url';
  return findExecutable('redis-server') === undefined ? 'in-process' : 'redis-server';
}

/** PATH lookup without spawning a shell (`which` is not on every image). */
export function findExecutable(name: string): string | undefined {
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
