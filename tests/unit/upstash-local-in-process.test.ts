import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashBridge, type UpstashBridge } from '../../scripts/upstash-local/bridge';

// Needs no Redis: this is the fallback backend, exercised through @upstash/redis like the real one
// (tests/integration/upstash-bridge.test.ts).
const SHEBANG = '#!lua flags=allow-key-locking';

// The fallback for machines without Redis. It is ioredis-mock, so it is checked only for what the
// app relies on. Known gaps (see scripts/upstash-local/in-process-backend.ts): data is lost on
// exit, WRONGTYPE is not enforced everywhere, Lua runs in a limited VM, rarer commands are missing.
describe('upstash bridge: in-process backend', () => {
  let memory: UpstashBridge;
  let client: Redis;
  const warnings: string[] = [];

  beforeAll(async () => {
    memory = await startUpstashBridge({ backend: 'in-process', log: (message) => warnings.push(message) });
    client = new Redis({ url: memory.url, token: memory.token, enableTelemetry: false, retry: false });
  });

  afterAll(async () => {
    await memory?.close();
  });

  it('warns loudly that data is in memory', () => {
    expect(memory.backend).toBe('in-process');
    expect(warnings.join('\n')).toMatch(/IN-PROCESS.*\n.*memory/);
  });

  it.each([
    { name: 'sliding window (request limits)', limiter: Ratelimit.slidingWindow(3, '1 m') },
    { name: 'token bucket (the WeChat Pay budget)', limiter: Ratelimit.tokenBucket(3, '1 m', 3) },
  ])('runs @upstash/ratelimit’s $name script: three allowed, then refused', async ({ name, limiter }) => {
    const limit = new Ratelimit({ redis: client, limiter, prefix: `rl-${name}`, ephemeralCache: false });
    const outcomes: boolean[] = [];
    for (let i = 0; i < 5; i++) outcomes.push((await limit.limit('someone')).success);
    expect(outcomes).toEqual([true, true, true, false, false]);
  });

  it('hands scripts a missing HMGET/MGET value as false, as Redis does', async () => {
    const script =
      "local h = redis.call('HMGET', 'nokey', 'a', 'b') local m = redis.call('MGET', 'nokey', 'obj') return {#h, tostring(h[1] == false), #m, tostring(m[1] == false)}";
    // @upstash/redis reads the string 'true' back as JSON.
    expect(await client.eval(script, ['nokey'], [])).toEqual([2, true, 2, true]);
  });

  it('set/get, incr, hgetall', async () => {
    expect(await client.set('obj', { a: '中文' })).toBe('OK');
    expect(await client.get('obj')).toEqual({ a: '中文' });
    expect(await client.incr('n')).toBe(1);
    await client.hset('h', { a: 1, b: 'x' });
    expect(await client.hgetall('h')).toEqual({ a: 1, b: 'x' });
  });

  it('SET NX EX / PX (lower-case options from the client)', async () => {
    expect(await client.set('lock', 'first', { nx: true, ex: 30 })).toBe('OK');
    expect(await client.set('lock', 'second', { nx: true, ex: 30 })).toBeNull();
    expect(await client.ttl('lock')).toBeGreaterThan(25);
    expect(await client.set('px', 'nx', { px: 30_000 })).toBe('OK');
    expect(await client.get('px')).toBe('nx');
    expect(await client.pttl('px')).toBeGreaterThan(25_000);
  });

  it('pipeline and multi', async () => {
    expect(await client.pipeline().set('p', 1).incr('p').get('p').exec()).toEqual(['OK', 2, 2]);
    expect(await client.multi().set('m', 'a').append('m', 'b').get('m').exec()).toEqual(['OK', 2, 'ab']);
  });

  it('INCR on text is an error (the mock itself would answer NaN)', async () => {
    await client.set('text', 'abc');
    await expect(client.incr('text')).rejects.toThrow(/ERR value is not an integer/);
  });

  it('evalsha of an unknown hash answers NOSCRIPT', async () => {
    await expect(client.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
  });

  it('eval/evalsha with a shebang script', async () => {
    const script = client.createScript<number>(`${SHEBANG}\nreturn redis.call("INCRBY", KEYS[1], ARGV[1])`);
    expect(await script.exec(['lua'], ['2'])).toBe(2);
    expect(await script.evalsha(['lua'], ['3'])).toBe(5);
  });

  it('cannot: WRONGTYPE is not enforced for HGET on a string (real Redis throws)', async () => {
    await client.set('str', 'v');
    expect(await client.hget('str', 'field')).toBeNull();
  });
});

describe('upstash bridge: backend choice without Redis', () => {
  it('falls back to in-process when there is no REDIS_URL and no redis-server on PATH', async () => {
    const saved = { PATH: process.env.PATH, REDIS_URL: process.env.REDIS_URL };
    process.env.PATH = '/nonexistent';
    delete process.env.REDIS_URL;
    try {
      const fallback = await startUpstashBridge({ log: () => {} });
      expect(fallback.backend).toBe('in-process');
      await fallback.close();
    } finally {
      Object.assign(process.env, saved);
      if (saved.REDIS_URL === undefined) delete process.env.REDIS_URL;
    }
  });

  it('fails clearly when the given Redis URL cannot be reached', async () => {
    await expect(
      startUpstashBridge({ redisUrl: 'redis://:secret@127.0.0.1:1', log: () => {} }),
    ).rejects.toThrow(/cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
