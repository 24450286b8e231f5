import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServiceLogger } from '../src/index';

// What a logger made by createServiceLogger writes to process.stdout, line by line.
function captureStdout(): { text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  });
  const text = () => chunks.join('');
  return {
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('createServiceLogger', () => {
  it('writes one JSON object per line naming the service, with the fields given', () => {
    const out = captureStdout();
    createServiceLogger('wechatpay-sandbox', { format: 'json' }).info({ outTradeNo: 'R1' }, 'paid');
    expect(out.lines()).toEqual([
      expect.objectContaining({ level: 30, service: 'wechatpay-sandbox', outTradeNo: 'R1', msg: 'paid' }),
    ]);
  });

  it('redacts secrets at the top level and nested, as written or capitalised (headers)', () => {
    const out = captureStdout();
    createServiceLogger('scripts', { format: 'json' }).warn(
      {
        authorization: 'WECHATPAY2-SHA256-RSA2048 mchid="1",signature="abc"',
        request: { headers: { Cookie: 'session=s3cr3t', 'set-cookie': 'a=b' } },
        config: { wechatPay: { apiV3Key: 'k'.repeat(32), privateKey: 'pem' } },
        resource: { ciphertext: 'Zm9v' },
        outTradeNo: 'R2',
      },
      'call failed',
    );
    const text = out.text();
    for (const secret of ['signature="abc"', 's3cr3t', 'a=b', 'k'.repeat(32), '"pem"', 'Zm9v']) {
      expect(text).not.toContain(secret);
    }
    const [line] = out.lines();
    expect(line).toMatchObject({
      authorization: '[redacted]',
      request: { headers: { Cookie: '[redacted]', 'set-cookie': '[redacted]' } },
      config: { wechatPay: { apiV3Key: '[redacted]', privateKey: '[redacted]' } },
      resource: { ciphertext: '[redacted]' },
      outTradeNo: 'R2',
    });
  });

  it('serialises errors under `error` with their message and stack', () => {
    const out = captureStdout();
    createServiceLogger('scripts', { format: 'json' }).error({ error: new Error('boom') }, 'failed');
    expect(out.lines()[0]?.error).toMatchObject({
      type: 'Error',
      message: 'boom',
      stack: expect.any(String),
    });
  });

  it('adds what the mixin returns to every line', () => {
    const out = captureStdout();
    const logger = createServiceLogger('recharge', { format: 'json', mixin: () => ({ requestId: 'req-1' }) });
    logger.info('one');
    logger.child({ module: 'orders' }).info('two');
    expect(out.lines()).toEqual([
      expect.objectContaining({ requestId: 'req-1', msg: 'one' }),
      expect.objectContaining({ requestId: 'req-1', module: 'orders', msg: 'two' }),
    ]);
  });

  it('follows LOG_LEVEL, and ignores a value that is not a level', () => {
    const out = captureStdout();
    vi.stubEnv('LOG_LEVEL', 'warn');
    const quiet = createServiceLogger('scripts', { format: 'json' });
    quiet.info('hidden');
    quiet.warn('shown');
    vi.stubEnv('LOG_LEVEL', 'loud');
    createServiceLogger('scripts', { format: 'json' }).info('default level');
    expect(out.lines().map((line) => line.msg)).toEqual(['shown', 'default level']);
  });

  // Pretty text goes to file descriptor 1 synchronously (a last line before process.exit is kept), not
  // through process.stdout.write: these run a child process and read its output.
  it('writes plain text with the service in front under LOG_FORMAT=pretty, still redacted', () => {
    const text = runChild(
      { LOG_FORMAT: 'pretty' },
      "log('upstash-local').info({ token: 'tok-123' }, 'listening')",
    );
    expect(text).toContain('[upstash-local] listening');
    expect(text).not.toContain('tok-123');
    expect(text).not.toContain('{"level"');
  });

  it('picks JSON under production and for tests, pretty text under development and on a terminal', () => {
    const line = "log('recharge').info('hello')";
    expect(runChild({ NODE_ENV: 'production' }, line)).toMatch(/^\{"level":30,.*"msg":"hello"\}$/m);
    expect(runChild({ NODE_ENV: 'test' }, line)).toMatch(/^\{"level":30,/m);
    expect(runChild({ NODE_ENV: 'development' }, line)).toContain('[recharge] hello');
    // A script run by hand on a terminal (no NODE_ENV): isTTY stands in for the terminal.
    expect(runChild({}, `process.stdout.isTTY = true; ${line}`)).toContain('[recharge] hello');
    expect(runChild({ NODE_ENV: 'production' }, `process.stdout.isTTY = true; ${line}`)).toMatch(
      /^\{"level"/m,
    );
    // Five child processes, each starting tsx: seconds apiece on a loaded 2-core machine.
  }, 60_000);
});

const INDEX = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/** Runs `code` (with `log` = createServiceLogger) in a child process and returns its stdout. */
function runChild(env: Record<string, string>, code: string): string {
  const script = `import { createServiceLogger as log } from ${JSON.stringify(INDEX)};\n${code};`;
  const { NODE_ENV: _, LOG_FORMAT: __, LOG_LEVEL: ___, ...inherited } = process.env;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...inherited, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`child failed: ${result.stderr}`);
  return result.stdout;
}
