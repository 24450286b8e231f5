// The app's Redis client (@upstash/redis over our keep-alive HTTP transport) against the local
// Upstash REST endpoint: the commands the app relies on, and errors surfacing as UpstashError.

import { performance } from 'node:perf_hooks';
import { errors, Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { createHttpRequester, RedisUnavailableError } from '@/lib/redis-transport';

const url = process.env.UPSTASH_REDIS_REST_URL ?? '';
const token = process.env.UPSTASH_REDIS_REST_TOKEN ?? '';
const redis = new Redis(createHttpRequester({ url, token, timeoutMs: 2_000 }));
const key = (name: string) => `test:transport:${Date.now()}:${Math.random()}:${name}`;

describe('@upstash/redis over the keep-alive HTTP transport', () => {
  it('round-trips JSON values, including Chinese text', async () => {
    const k = key('json');
    await redis.set(k, { status: 'PAID', reason: '支付成功' }, { ex: 60 });
    expect(await redis.get(k)).toEqual({ status: 'PAID', reason: '支付成功' });
    await redis.del(k);
  });

  it('honours SET NX EX: the second claimant loses', async () => {
    const k = key('lock');
    expect(await redis.set(k, 1, { nx: true, ex: 5 })).toBe('OK');
    expect(await redis.set(k, 2, { nx: true, ex: 5 })).toBeNull();
    expect(await redis.ttl(k)).toBeGreaterThan(0);
  });

  it('runs pipelines and transactions', async () => {
    const k = key('counter');
    expect(await redis.pipeline().incr(k).incr(k).exec()).toEqual([1, 2]);
    expect(await redis.multi().incr(k).get(k).exec()).toEqual([3, 3]);
    await redis.del(k);
  });

  it('answers null for a missing key and 1/0 for EXISTS', async () => {
    const k = key('missing');
    expect(await redis.get(k)).toBeNull();
    expect(await redis.exists(k)).toBe(0);
  });

  it('throws UpstashError for a wrong token', async () => {
    const stranger = new Redis(createHttpRequester({ url, token: 'wrong', timeoutMs: 2_000 }));
    await expect(stranger.get(key('any'))).rejects.toBeInstanceOf(errors.UpstashError);
  });

  it('throws UpstashError carrying Redis’s message for a failing command', async () => {
    const k = key('text');
    await redis.set(k, 'abc', { ex: 60 });
    await expect(redis.incr(k)).rejects.toThrow(/ERR value is not an integer/);
  });

  it('fails fast when nothing listens', async () => {
    const dead = new Redis(createHttpRequester({ url: 'http://127.0.0.1:9', token, timeoutMs: 500 }));
    await expect(dead.ping()).rejects.toThrow();
  });

  it('opens its circuit breaker after repeated failures: then fails at once, without trying', async () => {
    const dead = new Redis(
      createHttpRequester({ url: 'http://127.0.0.1:9', token, timeoutMs: 500, reopenAfterMs: 60_000 }),
    );
    for (let i = 0; i < 5; i++) await expect(dead.ping()).rejects.toBeInstanceOf(RedisUnavailableError);
    const started = performance.now();
    await expect(dead.ping()).rejects.toThrow(/Breaker is open/);
    expect(performance.now() - started).toBeLessThan(20);
  });

  it('counts a command Redis refused as an answer, not as Redis failing', async () => {
    const own = new Redis(createHttpRequester({ url, token, timeoutMs: 2_000 }));
    const k = key('refused');
    await own.set(k, 'abc', { ex: 60 });
    for (let i = 0; i < 10; i++) await expect(own.incr(k)).rejects.not.toBeInstanceOf(RedisUnavailableError);
    expect(await own.get(k)).toBe('abc');
  });

  it('sends the commands issued in one turn as one pipeline, each answered on its own', async () => {
    const k = key('batch');
    await redis.set(k, 'text', { ex: 60 });
    const [value, failed, missing] = await Promise.allSettled([
      redis.get(k),
      redis.incr(k),
      redis.get(key('none')),
    ]);
    expect(value).toEqual({ status: 'fulfilled', value: 'text' });
    expect(failed.status).toBe('rejected');
    expect(missing).toEqual({ status: 'fulfilled', value: null });
  });
});
