import pino from 'pino';
import pretty from 'pino-pretty';

// The one logger setup of the app, the WeChat Pay sandbox and the scripts: pino, one JSON object per
// line on stdout, each line naming its `service` (recharge, wechatpay-sandbox, scripts) so that the
// lines of a local stack, interleaved on one terminal or collected in one place, stay apart.
//
// Secrets never reach a line: the fields that could carry them are redacted wherever they appear (up to
// three levels down), and none of the callers logs bodies, keys or ciphertexts to begin with.
//
// Settings (read from process.env directly: a bad value must not stop the log that would say so):
// - LOG_LEVEL: fatal, error, warn, info (default), debug, trace or silent.
// - LOG_FORMAT: json or pretty. Default: pretty (plain, colourless text, synchronous) under
//   NODE_ENV=development and for a script run by hand on a terminal (stdout a TTY, no NODE_ENV); JSON
//   everywhere else (production, tests, CI, a file or a collector reading stdout).

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Fields that may hold a secret, as written or capitalised (headers), up to three levels down. */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'secret',
  'password',
  'apiV3Key',
  'privateKey',
  'ciphertext',
];

export const REDACTED_PATHS = SECRET_FIELDS.flatMap((field) => [
  field,
  field.charAt(0).toUpperCase() + field.slice(1),
]).flatMap((field) => {
  const key = /^[A-Za-z0-9_$]+$/.test(field) ? field : `["${field}"]`;
  const at = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key, at('*'), at('*.*'), at('*.*.*')];
});

export type Logger = pino.Logger;

export interface ServiceLoggerOptions {
  /** Fields added to every line at the time it is written (e.g. the request id of the current request). */
  mixin?: () => object;
  /** Overrides LOG_FORMAT and its default. */
  format?: 'json' | 'pretty';
}

function formatFromEnv(): 'json' | 'pretty' {
  const configured = process.env.LOG_FORMAT;
  if (configured === 'json' || configured === 'pretty') return configured;
  if (process.env.NODE_ENV === 'development') return 'pretty';
  // A script run by hand (no NODE_ENV: not the app, not a test run) on a terminal.
  return process.stdout.isTTY && !process.env.NODE_ENV ? 'pretty' : 'json';
}

/** The root logger of one service: `service` on every line, secrets redacted, `err`/`error` serialised. */
export function createServiceLogger(service: string, options: ServiceLoggerOptions = {}): Logger {
  const level = LEVELS.has(process.env.LOG_LEVEL ?? '') ? (process.env.LOG_LEVEL as string) : 'info';
  const pinoOptions: pino.LoggerOptions = {
    level,
    base: { service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(options.mixin ? { mixin: options.mixin } : {}),
    // `err` (and `error`, the name our code uses) with message, type and stack.
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  if ((options.format ?? formatFromEnv()) === 'pretty') {
    // Synchronous, in this thread: pino's transports (worker threads) don't survive Next's bundling.
    // The service leads each line: a local stack interleaves the app's, the sandbox's and its own.
    const stream = pretty({
      colorize: false,
      sync: true,
      ignore: 'pid,hostname,service',
      messageFormat: '[{service}] {msg}',
    });
    return pino(pinoOptions, stream);
  }
  // Through process.stdout (not a raw file descriptor), so that tests can read what was logged.
  return pino(pinoOptions, process.stdout);
}
