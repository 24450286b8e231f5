// A redis-server of the test's own, on a port of its own, that the test may kill and start again
// (never the machine's shared Redis), with the Upstash REST bridge in front of it as the app sees Redis.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstashBridge, type UpstashBridge } from '../../scripts/upstash-local/bridge';
import { freePort } from './free-port';

export interface PrivateRedis {
  /** The bridge in front of it: set UPSTASH_REDIS_REST_URL/TOKEN to these. */
  bridge: UpstashBridge;
  /** SIGKILL: the server is gone at once, as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        os.tmpdir(),
      ],
      { stdio: 'ignore' },
    );
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await answers(port)) return;
      await sleep(50);
    }
    throw new Error(`private redis-server on port ${port} did not start`);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  const bridge = await startUpstashBridge({ redisUrl: `redis://127.0.0.1:${port}`, log: () => {} });
  return {
    bridge,
    kill,
    start,
    async close() {
      await bridge.close();
      await kill();
    },
  };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end('PING\r\n');
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
