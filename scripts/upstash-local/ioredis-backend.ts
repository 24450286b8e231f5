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

// They hold the connection until data arrives; each runs on its own short-lived connection so the
// shared one keeps serving everybody else.
const BLOCKING_COMMANDS = new Set([
  'blmove',
  'blmpop',
  'blpop',
  'brpop',
  'brpoplpush',
  'bzmpop',
  'bzpopmax',
  'bzpopmin',
  'wait',
  'waitaof',
]);

/**
 * Real Redis through one ioredis connection. Command names are sent upper-case on purpose: ioredis
 * looks reply transformers up by the exact (lower-case) name, and its `hgetall` transformer would
 * turn the flat [field, value, …] reply that Upstash clients expect into an object.
 */
export async function connectIoredisBackend(options: ConnectIoredisOptions): Promise<RedisBackend> {
  const target = maskRedisUrl(options.url);
  const redis = new Redis(options.url, {
    lazyConnect: true,
    // Fail a request after one reconnect attempt instead of queueing it for ever.
    maxRetriesPerRequest: 1,
    connectionName: 'upstash-local',
  });
  let lastLoggedError = '';
  redis.on('error', (error: Error) => {
    if (error.message === lastLoggedError) return;
    lastLoggedError = error.message;
    options.log(`upstash-local: redis ${target}: ${error.message}`);
  });
  redis.on('ready', () => {
    lastLoggedError = '';
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const cause = lastLoggedError || describeError(error);
    throw new Error(`upstash-local: cannot connect to Redis at ${target}: ${cause}`);
  }

  const sendCommand = async (command: string[]): Promise<RedisReply> => {
    const [name = '', ...args] = command;
    const upperName = name.toUpperCase();
    if (!isBlocking(name, args)) return (await redis.callBuffer(upperName, ...args)) as RedisReply;
    const dedicated = redis.duplicate({ connectionName: 'upstash-local-blocking' });
    try {
      return (await dedicated.callBuffer(upperName, ...args)) as RedisReply;
    } finally {
      dedicated.disconnect();
    }
  };

  let closed: Promise<void> | undefined;
  return {
    kind: options.kind,
    target,
    runCommand: (command) => sendCommand(command).catch(rethrowAsCommandError),
    // Separate calls on one connection still go out in order; unlike an ioredis pipeline, this lets
    // a blocking command inside a pipeline take its own connection.
    runPipeline: (commands) =>
      Promise.all(
        commands.map((command) =>
          sendCommand(command).then(
            (result): CommandOutcome => ({ result }),
            (error: unknown): CommandOutcome => ({ error: describeError(error) }),
          ),
        ),
      ),
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

function isBlocking(name: string, args: string[]): boolean {
  const lower = name.toLowerCase();
  if (BLOCKING_COMMANDS.has(lower)) return true;
  return (lower === 'xread' || lower === 'xreadgroup') && args.some((arg) => arg.toLowerCase() === 'block');
}

/** Redis error replies become CommandError (answered 400); everything else stays a server fault. */
function rethrowAsCommandError(error: unknown): never {
  if (error instanceof Error && error.name === 'ReplyError') {
    // ioredis puts the queued commands' errors of a discarded MULTI in previousErrors.
    const previous = (error as Error & { previousErrors?: Error[] }).previousErrors ?? [];
    const causes = previous.map((cause) => cause.message).join('; ');
    throw new CommandError(causes === '' ? error.message : `${error.message} ${causes}`);
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
export function maskRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<unparsable redis url>';
  }
}
