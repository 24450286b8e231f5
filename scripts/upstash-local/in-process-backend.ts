import RedisMock from 'ioredis-mock';
import type { RedisBackend } from './backend';
import { sha1Hex } from './lua-scripts';
import { CommandError, type CommandOutcome, describeError, type RedisReply } from './protocol';

// Fallback when no Redis is available: ioredis-mock behind the same interface. Known gaps, worked
// around here where cheap: it has no generic `call`, ignores lower-case options (`nx`, `ex`), has no
// SCRIPT command, returns NaN instead of an error for INCR on text, and HGETALL returns an object.
// Not fixed: WRONGTYPE is not enforced everywhere (HGET on a string answers null), Lua runs in a
// limited VM (fengari), and many rarer commands are missing (answered "unknown command").

type MockMethod = (...args: string[]) => Promise<unknown>;

// Option keywords the mock only understands upper-case, and where options start per command.
const OPTION_KEYWORDS = new Set([
  'nx',
  'xx',
  'gt',
  'lt',
  'ch',
  'incr',
  'get',
  'ex',
  'px',
  'exat',
  'pxat',
  'keepttl',
  'persist',
  'match',
  'count',
  'type',
  'withscores',
  'limit',
  'rev',
  'byscore',
  'bylex',
]);
const OPTIONS_START: Record<string, number> = {
  set: 2,
  getex: 1,
  expire: 2,
  pexpire: 2,
  expireat: 2,
  pexpireat: 2,
  zadd: 1,
  scan: 1,
  sscan: 2,
  hscan: 2,
  zscan: 2,
  zrange: 3,
  zrangebyscore: 3,
  zrevrangebyscore: 3,
};
// The value after these is user data, never an option.
const KEYWORDS_WITH_VALUE = new Set(['match', 'type']);

let instanceCounter = 0;

export function createInProcessBackend(): RedisBackend {
  // ioredis-mock shares data between instances with the same host:port; give each bridge its own.
  instanceCounter += 1;
  const mock = new RedisMock({ host: `upstash-local-${process.pid}-${instanceCounter}`, port: 6379 });
  const methods = mock as unknown as Record<string, MockMethod | undefined>;
  const scripts = new Map<string, string>();

  // JS is single-threaded but mock commands are async: a queue keeps MULTI blocks from interleaving.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusively = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const findMethod = (name: string): MockMethod => {
    const method = methods[`${name}Buffer`] ?? methods[name];
    if (typeof method !== 'function') {
      throw new CommandError(`ERR unknown command '${name}' (not supported by the in-process emulation)`);
    }
    return method.bind(mock);
  };

  const execute = async (command: string[]): Promise<RedisReply> => {
    const [rawName = '', ...args] = command;
    const name = rawName.toLowerCase();
    if (name === 'script') return runScriptCommand(scripts, args);
    if (name === 'eval' || name === 'eval_ro') {
      if (args[0] !== undefined) scripts.set(sha1Hex(args[0]), args[0]);
      return normalizeReply(await callMock(findMethod('eval'), args));
    }
    if (name === 'evalsha' || name === 'evalsha_ro') {
      const script = scripts.get((args[0] ?? '').toLowerCase());
      if (script === undefined) throw new CommandError('NOSCRIPT No matching script. Please use EVAL.');
      return normalizeReply(await callMock(findMethod('eval'), [script, ...args.slice(1)]));
    }
    return normalizeReply(await callMock(findMethod(name), upperCaseOptions(name, args)));
  };

  return {
    kind: 'in-process',
    target: 'in-process memory (ioredis-mock)',
    runCommand: (command) => exclusively(() => execute(command)),
    runPipeline: (commands) =>
      Promise.all(commands.map((command) => exclusively(() => settle(execute(command))))),
    runTransaction: (commands) =>
      exclusively(async () => {
        // Redis discards the whole transaction when a command is unknown at queue time.
        for (const [name = ''] of commands) {
          const lower = name.toLowerCase();
          if (!['script', 'evalsha', 'evalsha_ro', 'eval_ro'].includes(lower)) {
            try {
              findMethod(lower);
            } catch (error) {
              throw new CommandError(`EXECABORT Transaction discarded because of: ${describeError(error)}`);
            }
          }
        }
        const outcomes: CommandOutcome[] = [];
        for (const command of commands) outcomes.push(await settle(execute(command)));
        return outcomes;
      }),
    async close() {
      // The mock keeps every instance's data in a module-level map: free it.
      await mock.flushall();
      mock.disconnect();
    },
  };
}

async function callMock(method: MockMethod, args: string[]): Promise<unknown> {
  try {
    return await method(...args);
  } catch (error) {
    throw new CommandError(describeError(error));
  }
}

function settle(reply: Promise<RedisReply>): Promise<CommandOutcome> {
  return reply.then(
    (result) => ({ result }),
    (error: unknown) => ({ error: describeError(error) }),
  );
}

function runScriptCommand(scripts: Map<string, string>, args: string[]): RedisReply {
  const [subcommand = '', ...rest] = args;
  switch (subcommand.toLowerCase()) {
    case 'load': {
      const script = rest[0] ?? '';
      const sha = sha1Hex(script);
      scripts.set(sha, script);
      return sha;
    }
    case 'exists':
      return rest.map((sha) => (scripts.has(sha.toLowerCase()) ? 1 : 0));
    case 'flush':
      scripts.clear();
      return 'OK';
    default:
      throw new CommandError(`ERR unknown subcommand 'SCRIPT ${subcommand}' in the in-process emulation`);
  }
}

function upperCaseOptions(name: string, args: string[]): string[] {
  const start = OPTIONS_START[name];
  if (start === undefined) return args;
  const result = [...args];
  for (let i = start; i < result.length; i++) {
    const lower = (result[i] ?? '').toLowerCase();
    // ZADD: options end where the score/member pairs begin.
    if (name === 'zadd' && !OPTION_KEYWORDS.has(lower)) break;
    if (!OPTION_KEYWORDS.has(lower)) continue;
    result[i] = lower.toUpperCase();
    if (KEYWORDS_WITH_VALUE.has(lower)) i++;
  }
  return result;
}

/** Brings mock replies to the shape ioredis gives for real Redis (flat arrays, errors for NaN). */
function normalizeReply(reply: unknown): RedisReply {
  if (reply === undefined || reply === null) return null;
  if (Buffer.isBuffer(reply) || typeof reply === 'string' || typeof reply === 'boolean') return reply;
  if (typeof reply === 'number') {
    if (Number.isNaN(reply)) throw new CommandError('ERR value is not an integer or out of range');
    return reply;
  }
  if (Array.isArray(reply)) return reply.map(normalizeReply);
  if (reply instanceof Error) return reply;
  if (typeof reply === 'object')
    return Object.entries(reply).flatMap(([key, value]) => [key, normalizeReply(value)]);
  return String(reply);
}
