// For a machine with no Redis at all: ioredis-mock behind the backend interface. Worked around
// here: it has no generic `call`, understands SET's options only upper-case, returns NaN instead of
// an error for INCR on text, gives HGETALL as an object, knows no EVALSHA of its own, and hands Lua a
// missing value inside HMGET/MGET replies as null where Redis gives `false` (LUA_PRELUDE).
// Not fixed: WRONGTYPE is not enforced everywhere (HGET on a string answers null), a MULTI is not
// discarded when one of its commands is unknown, Lua runs in a limited VM (fengari), and rarer
// commands are missing (answered "unknown command"). Data lives in this process and dies with it.
import RedisMock from 'ioredis-mock';
import type { RedisBackend } from './backend';
import { sha1Hex } from './lua-shebang';
import { CommandError, type CommandOutcome, describeError, type RedisReply } from './protocol';

type MockMethod = (...args: string[]) => Promise<unknown>;

// What @upstash/redis's `set` sends after the key and value, in lower case.
const SET_OPTIONS = new Set(['nx', 'xx', 'get', 'ex', 'px', 'exat', 'pxat', 'keepttl']);

// Real Redis turns a nil inside an array reply into Lua `false`, and scripts test `x == false`
// (@upstash/ratelimit's token bucket does, on HMGET); ioredis-mock hands over JavaScript's null (a
// userdata, or nil). Run before every script: rebuilds those replies with `false` at known lengths.
// Costs the script's error line numbers an offset of one.
const LUA_PRELUDE =
  'local __call = redis.call; ' +
  'local function __fill(n, r) local t = {} for i = 1, n do local v = r and r[i] if v == nil or type(v) == "userdata" then v = false end t[i] = v end return t end; ' +
  "redis.call = function(cmd, ...) local r = __call(cmd, ...) local c = string.upper(cmd) if c == 'HMGET' then return __fill(select('#', ...) - 1, r) elseif c == 'MGET' then return __fill(select('#', ...), r) end return r end\n";

let instanceCounter = 0;

export function createInProcessBackend(): RedisBackend {
  // ioredis-mock shares data between instances with the same host:port; give each bridge its own.
  instanceCounter += 1;
  const mock = new RedisMock({ host: `upstash-local-${process.pid}-${instanceCounter}`, port: 6379 });
  const methods = mock as unknown as Record<string, MockMethod | undefined>;
  const scriptsBySha = new Map<string, string>();

  const call = async (name: string, args: string[]): Promise<RedisReply> => {
    const method = methods[`${name}Buffer`] ?? methods[name];
    if (typeof method !== 'function') {
      throw new CommandError(`ERR unknown command '${name}' (not supported by the in-process emulation)`);
    }
    try {
      return normalizeReply(await method.apply(mock, args));
    } catch (error) {
      throw error instanceof CommandError ? error : new CommandError(describeError(error));
    }
  };

  const execute = async (command: string[]): Promise<RedisReply> => {
    const [rawName = '', ...args] = command;
    const name = rawName.toLowerCase();
    if (name === 'eval' || name === 'eval_ro') {
      const [script, ...rest] = args;
      if (script === undefined) return call('eval', args);
      scriptsBySha.set(sha1Hex(script), script);
      return call('eval', [LUA_PRELUDE + script, ...rest]);
    }
    if (name === 'evalsha' || name === 'evalsha_ro') {
      const script = scriptsBySha.get((args[0] ?? '').toLowerCase());
      if (script === undefined) throw new CommandError('NOSCRIPT No matching script. Please use EVAL.');
      return call('eval', [LUA_PRELUDE + script, ...args.slice(1)]);
    }
    if (name === 'set') {
      return call(
        name,
        args.map((arg, i) => (i >= 2 && SET_OPTIONS.has(arg.toLowerCase()) ? arg.toUpperCase() : arg)),
      );
    }
    return call(name, args);
  };

  // Mock commands are async: one queue keeps a MULTI's commands together and every reply in order.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusively = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    kind: 'in-process',
    target: 'in-process memory (ioredis-mock)',
    run: (command) => exclusively(() => execute(command)),
    runTransaction: (commands) =>
      exclusively(async () => {
        const outcomes: CommandOutcome[] = [];
        for (const command of commands) {
          outcomes.push(
            await execute(command).then(
              (result) => ({ result }),
              (error: unknown) => ({ error: describeError(error) }),
            ),
          );
        }
        return outcomes;
      }),
    async close() {
      // The mock keeps every instance's data in a module-level map: free it.
      await mock.flushall();
      mock.disconnect();
    },
  };
}

/** Brings mock replies to the shape ioredis gives for real Redis (flat arrays, errors for NaN). */
function normalizeReply(reply: unknown): RedisReply {
  if (reply === undefined || reply === null) return null;
  if (typeof reply === 'number' && Number.isNaN(reply)) {
    throw new CommandError('ERR value is not an integer or out of range');
  }
  if (Array.isArray(reply)) return reply.map(normalizeReply);
  if (Buffer.isBuffer(reply) || reply instanceof Error) return reply;
  if (typeof reply === 'object') {
    return Object.entries(reply).flatMap(([key, value]) => [key, normalizeReply(value)]);
  }
  if (typeof reply === 'string' || typeof reply === 'number' || typeof reply === 'boolean') return reply;
  return String(reply);
}
