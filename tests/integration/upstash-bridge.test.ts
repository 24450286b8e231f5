import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashBridge, type UpstashBridge } from '../../scripts/upstash-local/bridge';

// Everything goes through @upstash/redis, the path the app uses. The backend is the default choice:
// REDIS_URL when set, else a private redis-server child. Keys carry a per-run prefix and are deleted
// afterwards, so a shared Redis is never flushed.
const PREFIX = `test:upstash-bridge:${randomUUID().slice(0, 8)}:`;
const SHEBANG = '#!lua flags=allow-key-locking';
const b64 = (text: string) => Buffer.from(text).toString('base64');

let bridge: UpstashBridge;
let redis: Redis;
const usedKeys = new Set<string>();

function key(name: string): string {
  const full = `${PREFIX}${name}`;
  usedKeys.add(full);
  return full;
}

function createClient(overrides: { token?: string; enableAutoPipelining?: boolean } = {}): Redis {
  return new Redis({
    url: bridge.url,
    token: bridge.token,
    enableTelemetry: false,
    retry: false,
    ...overrides,
  });
}

beforeAll(async () => {
  bridge = await startUpstashBridge({ token: `test-${randomUUID()}` });
  redis = createClient();
});

afterAll(async () => {
  if (usedKeys.size > 0) await redis.del(...usedKeys);
  await bridge?.close();
});

describe(`upstash bridge (default backend)`, () => {
  it('picks a real Redis', () => {
    expect(bridge.backend).toBe(process.env.REDIS_URL ? 'redis-url' : 'redis-server');
  });

  it.each([
    {
      name: 'set/get an object (JSON-serialized by the client)',
      run: async () => [await redis.set(key('obj'), { a: 1, b: '中文' }), await redis.get(key('obj'))],
      expected: ['OK', { a: 1, b: '中文' }],
    },
    {
      name: 'incr',
      run: async () => [await redis.incr(key('counter')), await redis.incr(key('counter'))],
      expected: [1, 2],
    },
    {
      name: 'hset/hgetall (flat reply rebuilt by the client)',
      run: async () => [await redis.hset(key('hash'), { a: 1, b: 'x' }), await redis.hgetall(key('hash'))],
      expected: [2, { a: 1, b: 'x' }],
    },
    {
      name: 'del',
      run: async () => {
        await redis.set(key('gone'), 'v');
        return [await redis.del(key('gone')), await redis.get(key('gone'))];
      },
      expected: [1, null],
    },
    {
      name: 'expire/ttl',
      run: async () => {
        await redis.set(key('ttl'), 'v');
        const ttl = await redis.expire(key('ttl'), 100).then(() => redis.ttl(key('ttl')));
        return [ttl > 90 && ttl <= 100];
      },
      expected: [true],
    },
  ])('$name', async ({ run, expected }) => {
    expect(await run()).toEqual(expected);
  });

  it('SET NX EX: the second NX loses and the key expires', async () => {
    const lock = key('lock');
    expect(await redis.set(lock, 'first', { nx: true, ex: 1 })).toBe('OK');
    expect(await redis.set(lock, 'second', { nx: true, ex: 1 })).toBeNull();
    expect(await redis.get(lock)).toBe('first');
    await expect.poll(() => redis.get(lock), { timeout: 3_000, interval: 100 }).toBeNull();
  });

  it('auto-pipelines concurrent commands into few requests', async () => {
    // The auto-pipelining proxy exposes its request count, though the type does not declare it.
    const pipelineCount = () => (redis as unknown as { pipelineCounter: number }).pipelineCounter;
    const before = pipelineCount();
    const keys = Array.from({ length: 20 }, (_, i) => key(`auto:${i}`));
    const results = await Promise.all(keys.map((k, i) => redis.set(k, `v${i}`).then(() => redis.get(k))));
    expect(results).toEqual(keys.map((_, i) => `v${i}`));
    expect(pipelineCount() - before).toBeLessThanOrEqual(4);
  });

  it('runs an explicit pipeline and reports per-command errors', async () => {
    const k = key('pipe');
    const ok = await redis.pipeline().set(k, 'text').get(k).strlen(k).exec();
    expect(ok).toEqual(['OK', 'text', 4]);
    const mixed = await redis.pipeline().incr(k).get(k).exec({ keepErrors: true });
    expect(mixed[0]?.error).toMatch(/ERR value is not an integer/);
    expect(mixed[1]).toEqual({ result: 'text', error: undefined });
    await expect(redis.pipeline().incr(k).exec()).rejects.toThrow(/Command 1 \[ incr \] failed: ERR/);
  });

  it('runs multi() atomically', async () => {
    const counter = key('tx:counter');
    expect(await redis.multi().set(counter, 0).incr(counter).get(counter).exec()).toEqual(['OK', 1, 1]);
    // Interleaving between concurrent transactions would break the "second = first + 1" pairs.
    const pairs = await Promise.all(
      Array.from({ length: 25 }, () => redis.multi().incr(counter).incr(counter).exec()),
    );
    for (const [first, second] of pairs) expect(second).toBe(first + 1);
    expect(new Set(pairs.map(([first]) => first)).size).toBe(pairs.length);
  });

  it('multi(): a runtime error fails that command only; a queue-time error discards everything', async () => {
    const k = key('tx:mixed');
    await expect(redis.multi().set(k, 'text').incr(k).exec()).rejects.toThrow(/Command 2 \[ incr \] failed/);
    expect(await redis.get(k)).toBe('text');
    // HSET with no field/value pairs is rejected when queued: Redis answers EXECABORT.
    await expect(redis.multi().set(k, 'changed').hset(key('tx:hash'), {}).exec()).rejects.toThrow(
      /EXECABORT/,
    );
    expect(await redis.get(k)).toBe('text');
  });

  it('eval, including nested tables and UTF-8', async () => {
    const k = key('eval');
    expect(await redis.eval('return redis.call("SET", KEYS[1], ARGV[1])', [k], ['值'])).toBe('OK');
    expect(await redis.eval('return {1, redis.call("GET", KEYS[1]), {2, "b"}}', [k], [])).toEqual([
      1,
      '值',
      [2, 'b'],
    ]);
  });

  it('eval of a `#!lua flags=allow-key-locking` script (as @upstash/ratelimit sends)', async () => {
    const script = `${SHEBANG}\nreturn redis.call("INCRBY", KEYS[1], ARGV[1])`;
    expect(await redis.eval(script, [key('shebang:eval')], [5])).toBe(5);
  });

  it('EVALSHA of a shebang script’s own hash, after the NOSCRIPT → EVAL fallback (@upstash/ratelimit’s safeEval)', async () => {
    // Unique text, so the hash is unknown to a shared Redis and the first EVALSHA must fail.
    const script = redis.createScript<number>(`${SHEBANG}\n-- ${PREFIX}\nreturn redis.call("INCR", KEYS[1])`);
    const k = key('shebang:script');
    expect(await script.exec([k], [])).toBe(1);
    expect(await script.evalsha([k], [])).toBe(2);
  });

  it('evalsha of an unknown hash answers NOSCRIPT', async () => {
    await expect(redis.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it.each([
    ['Chinese', '微信支付充值'],
    ['emoji', '🙂🚀'],
    ['control characters and quotes', 'a\u0000b\n"c"\\'],
    ['latin-1 accents', 'café ñ'],
  ])('round-trips %s strings (values and hash fields)', async (_name, text) => {
    const k = key(`text:${_name}`);
    await redis.set(k, text);
    expect(await redis.get(k)).toBe(text);
    const h = key(`hash:${_name}`);
    await redis.hset(h, { [text]: text });
    expect(await redis.hgetall(h)).toEqual({ [text]: text });
  });

  it('rejects a wrong token', async () => {
    await expect(createClient({ token: 'wrong' }).get(key('x'))).rejects.toThrow(/Unauthorized/);
  });

  it.each([
    ['auto-pipelined', () => redis],
    ['single-command endpoint', () => createClient({ enableAutoPipelining: false })],
  ])('surfaces Redis errors with the ERR message (%s)', async (_name, client) => {
    const k = key('not-a-number');
    await redis.set(k, 'abc');
    await expect(client().incr(k)).rejects.toThrow(/ERR value is not an integer or out of range/);
  });

  it.each([
    { body: '["GET",', path: '/', error: /not valid JSON/ },
    { body: '{"cmd":"GET"}', path: '/', error: /must be a JSON array/ },
    { body: '[]', path: '/', error: /empty command/ },
    { body: '["GET","k"]', path: '/pipeline', error: /JSON array of commands/ },
    { body: '[["GET",{"a":1}]]', path: '/multi-exec', error: /argument 1 must be a string or a number/ },
  ])('answers 400 to a malformed body on $path: $body', async ({ body, path, error }) => {
    const res = await fetch(`${bridge.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(error);
  });

  it('answers 401 with a JSON error to a missing token', async () => {
    const res = await fetch(bridge.url, { method: 'POST', body: '["PING"]' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'Unauthorized' });
  });

  it.each([
    { method: 'GET', path: '/get/k', name: 'the URL path form (not sent by @upstash/redis)' },
    { method: 'POST', path: '/set/k/v', name: 'a command in the path' },
    { method: 'GET', path: '/', name: 'GET of the command endpoint' },
  ])('answers 404 with a JSON error to $name', async ({ method, path }) => {
    const res = await fetch(`${bridge.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bridge.token}` },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /use POST \/, \/pipeline or \/multi-exec/,
    );
  });

  it.each([
    { path: '/', base64: true, body: ['ECHO', '中文'], expected: { result: b64('中文') } },
    { path: '/', base64: false, body: ['ECHO', '中文'], expected: { result: '中文' } },
    { path: '/', base64: true, body: ['STRLEN', 'no such key'], expected: { result: 0 } },
    {
      path: '/pipeline',
      base64: true,
      body: [['ECHO', 'a'], ['NOSUCHCOMMAND']],
      expected: [{ result: b64('a') }, { error: expect.stringMatching(/^ERR unknown command/) }],
    },
    {
      path: '/multi-exec',
      base64: false,
      body: [
        ['ECHO', 'a'],
        ['ECHO', 'b'],
      ],
      expected: [{ result: 'a' }, { result: 'b' }],
    },
  ])('wire format on $path, base64 $base64: $body', async ({ path, base64, body, expected }) => {
    const res = await fetch(`${bridge.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bridge.token}`,
        ...(base64 ? { 'upstash-encoding': 'base64' } : {}),
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expected);
  });
});

describe('upstash bridge: close()', () => {
  it('stops the HTTP server and the Redis it spawned or connected to', async () => {
    const own = await startUpstashBridge();
    const client = new Redis({ url: own.url, token: own.token, enableTelemetry: false, retry: false });
    expect(await client.ping()).toBe('PONG');
    await own.close();
    await expect(client.ping()).rejects.toThrow();
    if (own.backend === 'redis-server') {
      const port = Number(new URL(own.target).port);
      expect(await canConnect(port)).toBe(false);
    }
  });
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
