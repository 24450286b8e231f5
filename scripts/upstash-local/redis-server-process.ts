import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';

export interface RedisServerProcess {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 3_000;
// The free port is found by binding and releasing it, so another process can grab it in between.
const PORT_ATTEMPTS = 3;

/**
 * Starts a throwaway redis-server that persists nothing and listens on loopback only, and resolves
 * once it answers PING. It dies with this process (exit hook), not only on stop().
 */
export async function spawnRedisServer(binary: string): Promise<RedisServerProcess> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await findFreePort();
    try {
      return await startOnPort(binary, port);
    } catch (error) {
      lastError = error;
      if (!/address already in use/i.test(String(error))) break;
    }
  }
  throw lastError;
}

async function startOnPort(binary: string, port: number): Promise<RedisServerProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  // --dir: even with persistence off, keep stray files (e.g. after SAVE) out of the repo.
  const child = spawn(binary, [...args, '--dir', os.tmpdir()], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureOutputTail(child);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  // A forgotten stop() must not keep a script alive; the exit hook still kills the child.
  child.unref();

  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`redis-server exited (${signal ?? `code ${code}`})`));
    child.once('error', (error) => resolve(`redis-server failed to start: ${error.message}`));
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= stopChild(child, exited).finally(() => process.off('exit', killOnExit));
    return stopped;
  };

  const outcome = await Promise.race([
    waitForPong(port, () => hasExited).then(() => 'ready' as const),
    exited.then((reason) => new Error(`${reason}: ${output()}`)),
  ]).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
  if (outcome !== 'ready') {
    await stop();
    throw outcome;
  }
  return { pid: child.pid ?? -1, url: `redis://127.0.0.1:${port}`, stop };
}

async function stopChild(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function captureOutputTail(child: ChildProcess): () => string {
  let tail = '';
  const append = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-2_000);
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', append);
    // Open pipes would otherwise keep the event loop alive, defeating child.unref().
    (stream as unknown as net.Socket | null)?.unref?.();
  }
  return () => tail.trim();
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls with a raw RESP PING so that startup needs no client library and logs no retry noise. */
async function waitForPong(port: number, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !hasExited()) {
    if (await pingOnce(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`redis-server did not answer PING on port ${port} within ${READY_TIMEOUT_MS} ms`);
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      // "-LOADING" and similar mean "not yet"; only +PONG is ready.
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}
