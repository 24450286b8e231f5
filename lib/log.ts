import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import pretty from 'pino-pretty';
import { requestIdOf } from './http/request-id';

// The app's one logger: pino, one JSON object per line on stdout (pretty, colourless text in
// development), with the request id of the request that caused the line (requestContext) and the
// module that wrote it. Secrets never reach a line: the fields that could carry them are redacted
// wherever they appear, and nothing here logs request bodies, keys or ciphertexts to begin with.
//
// Read before the configuration is validated (a bad LOG_LEVEL must not stop the log that says so),
// hence process.env here rather than lib/env.ts; NODE_ENV picks the format.

interface RequestContext {
  requestId: string;
}

const requestContext = new AsyncLocalStorage<RequestContext>();

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Fields that may hold a secret, as written or capitalised (headers), up to three levels down. */
const REDACTED = [
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'secret',
  'password',
  'apiV3Key',
  'privateKey',
  'ciphertext',
]
  .flatMap((field) => [field, field.charAt(0).toUpperCase() + field.slice(1)])
  .flatMap((field) => {
    const key = /^[A-Za-z0-9_$]+$/.test(field) ? field : `["${field}"]`;
    const at = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
    return [key, at('*'), at('*.*'), at('*.*.*')];
  });

function createRootLogger(): pino.Logger {
  const level = LEVELS.has(process.env.LOG_LEVEL ?? '') ? (process.env.LOG_LEVEL as string) : 'info';
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'recharge' },
    redact: { paths: REDACTED, censor: '[redacted]' },
    mixin: () => requestContext.getStore() ?? {},
    // `err` (and `error`, the name this code uses) with message, type and stack.
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  if (process.env.NODE_ENV === 'development') {
    // Synchronous, in this thread: pino's transports (worker threads) don't survive Next's bundling.
    return pino(options, pretty({ colorize: false, sync: true, ignore: 'pid,hostname,service' }));
  }
  // Through process.stdout (not a raw file descriptor), so that tests can read what was logged.
  return pino(options, process.stdout);
}

const globalForLog = globalThis as typeof globalThis & { __log?: pino.Logger };

function rootLogger(): pino.Logger {
  globalForLog.__log ??= createRootLogger();
  return globalForLog.__log;
}

export type Logger = pino.Logger;

/** A module's logger: every line carries `module`. */
export function createLogger(module: string): Logger {
  return rootLogger().child({ module });
}

/**
 * Runs `handle` with the request's id (the client's X-Request-Id when it is a plausible one, else a
 * new one) on every log line it causes, and returns the id in the answer's X-Request-Id.
 */
export async function withRequestId<R extends Response>(
  request: Request,
  handle: () => Promise<R>,
): Promise<R> {
  const requestId = requestIdOf(request.headers);
  const response = await requestContext.run({ requestId }, handle);
  response.headers.set('X-Request-Id', requestId);
  return response;
}
