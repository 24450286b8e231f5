// A throwaway redis-server for a machine that has one installed but no REDIS_URL: loopback only,
// nothing persisted, killed with this process (exit hook) even when stop() is forgotten.
import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';

export interface RedisServerProcess {
  url: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
// The free port is found by binding and releasing it, so another process can take it in between.
const PORT_ATTEMPTS = 3;

export async function spawnRedisServer(binary: string): Promise<RedisServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(binary, await findFreePort());
    } catch (error) {
      if (attempt === PORT_ATTEMPTS || !/address already in use/i.test(String(error))) throw error;
    }
  }
}

async function startOnPort(binary: string, port: number): Promise<RedisServerProcess> {
  // --dir: even with persistence off, keep stray files (e.g. after SAVE) out of the repo.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(binary, [...args, '--dir', os.tmpdir()], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    process.off('exit', killOnExit);
  };

  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-2_000);
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-2_000);
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error('exited')));
  });
  try {
    await ready;
  } catch (error) {
    await stop();
    throw new Error(`redis-server on port ${port}: ${(error as Error).message}: ${output.trim()}`);
  }
  // Once ready, the child and its (still drained) pipes must not keep a script's event loop alive.
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as net.Socket).unref();
  child.unref();
  return { url: `redis://127.0.0.1:${port}`, stop };
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
