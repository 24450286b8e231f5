// Real Redis through one ioredis connection: a REDIS_URL, or the redis-server the bridge spawned.
import Redis from 'ioredis';
import type { BackendKind, RedisBackend } from './backend';
import { CommandError, type CommandOutcome, describeError, type RedisReply } from './protocol';

export interface ConnectIoredisOptions {
  url: string;
  kind: BackendKind;
  log: (message: string) => void;
  /** Runs after the connection is closed (stops a spawned redis-server). */
  onClose?: () => Promise<void>;
}

/**
 * Command names go out upper-case on purpose: ioredis looks reply transformers up by the exact
 * (lower-case) name, and its `hgetall` transformer would turn the flat [field, value, …] reply that
 * Upstash clients expect into an object.
 */
export async function connectIoredisBackend(options: ConnectIoredisOptions): Promise<RedisBackend> {
  const target = maskRedisUrl(options.url);
  const redis = new Redis(options.url, {
    lazyConnect: true,
    // Fail a request after one reconnect attempt instead of queueing it for ever.
    maxRetriesPerRequest: 1,
    connectionName: 'upstash-local',
  });
  let lastError = '';
  redis.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    options.log(`upstash-local: redis ${target}: ${error.message}`);
  });
  redis.on('ready', () => {
    lastError = '';
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `upstash-local: cannot connect to Redis at ${target}: ${lastError || describeError(error)}`,
    );
  }

  let closed: Promise<void> | undefined;
  return {
    kind: options.kind,
    target,
    run: ([name = '', ...args]) =>
      (redis.callBuffer(name.toUpperCase(), ...args) as Promise<RedisReply>).catch(rethrowAsCommandError),
    async runTransaction(commands) {
      const transaction = redis.multi();
      for (const [name = '', ...args] of commands) transaction.callBuffer(name.toUpperCase(), ...args);
      const replies = await transaction.exec().catch(rethrowAsCommandError);
      // null = aborted by WATCH, which the bridge never issues; answer it like Redis would.
      if (replies === null) throw new CommandError('EXECABORT Transaction discarded');
      return replies.map(
        ([error, result]): CommandOutcome =>
          error ? { error: error.message } : { result: result as RedisReply },
      );
    },
    close() {
      closed ??= quitGracefully(redis).then(() => options.onClose?.());
      return closed;
    },
  };
}

/** Redis error replies become CommandError (answered 400); everything else stays a server fault. */
function rethrowAsCommandError(error: unknown): never {
  if (error instanceof Error && error.name === 'ReplyError') {
    // ioredis puts the queued commands' errors of a discarded MULTI in previousErrors.
    const previous = (error as Error & { previousErrors?: Error[] }).previousErrors ?? [];
    throw new CommandError([error.message, ...previous.map((cause) => cause.message)].join(' '));
  }
  throw error;
}

/** QUIT lets in-flight replies arrive; a dead or reconnecting connection is just dropped. */
async function quitGracefully(redis: Redis): Promise<void> {
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref());
  await Promise.race([redis.quit().catch(() => undefined), timeout]);
  redis.disconnect();
}

/** For logs: never print a password from REDIS_URL. */
function maskRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<unparsable redis url>';
  }
}
