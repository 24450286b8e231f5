// Upstash REST wire format: request validation and reply encoding, independent of any backend.
// Reference: @upstash/redis 1.39 `HttpClient` (pkg/http.ts) — it always POSTs JSON arrays and, by
// default, sends `Upstash-Encoding: base64` and base64-decodes every string it gets back.

/** A reply as ioredis produces it with `callBuffer`; errors can sit inside arrays (EVAL, EXEC). */
export type RedisReply =
  | Buffer
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Error
  | RedisReply[];

export type JsonReply = string | number | null | JsonReply[];

export type CommandOutcome = { result: RedisReply } | { error: string };

/** The request itself is malformed: answered 400 before anything reaches Redis. */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
}

/** Redis answered with an error reply (`ERR …`, `WRONGTYPE …`, `NOSCRIPT …`, `EXECABORT …`). */
export class CommandError extends Error {
  override name = 'CommandError';
}

// They change the state of the one connection every HTTP request shares, or need a dedicated
// connection (pub/sub); Upstash's REST API does not offer them either.
const CONNECTION_STATE_COMMANDS = new Set([
  'auth',
  'discard',
  'exec',
  'hello',
  'monitor',
  'multi',
  'psubscribe',
  'punsubscribe',
  'quit',
  'reset',
  'select',
  'ssubscribe',
  'subscribe',
  'sunsubscribe',
  'unsubscribe',
  'unwatch',
  'watch',
]);

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') {
    throw new BadRequestError('Empty request body: expected a JSON array such as ["GET","key"]');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`Request body is not valid JSON: ${describeError(error)}`);
  }
}

/** One command: a non-empty array of strings/numbers/booleans (the client sends numbers as is). */
export function parseCommand(value: unknown, where = 'Request body'): string[] {
  if (!Array.isArray(value)) {
    throw new BadRequestError(`${where} must be a JSON array of command arguments, e.g. ["SET","k","v"]`);
  }
  if (value.length === 0) {
    throw new BadRequestError(`${where} is an empty command`);
  }
  const command = value.map((arg, index) => {
    if (typeof arg === 'string') return arg;
    if (typeof arg === 'number' || typeof arg === 'boolean') return String(arg);
    throw new BadRequestError(`${where}: argument ${index} must be a string or a number, got ${typeOf(arg)}`);
  });
  assertCommandAllowed(command);
  return command;
}

/** `/pipeline` and `/multi-exec` bodies: a non-empty array of commands. */
export function parseCommandBatch(value: unknown): string[][] {
  if (!Array.isArray(value) || !value.every(Array.isArray)) {
    throw new BadRequestError(
      'Request body must be a JSON array of commands, e.g. [["SET","k","v"],["GET","k"]]',
    );
  }
  if (value.length === 0) {
    throw new BadRequestError('Request body is an empty list of commands');
  }
  return value.map((command, index) => parseCommand(command, `Command ${index + 1}`));
}

function assertCommandAllowed(command: string[]): void {
  const name = (command[0] ?? '').toLowerCase();
  if (CONNECTION_STATE_COMMANDS.has(name)) {
    throw new BadRequestError(`ERR Command is not available over REST: '${name}'`);
  }
}

/**
 * Maps a reply to JSON the way Upstash does: strings base64-encoded when asked for, integers and
 * null unchanged, arrays recursively. Binary-safe because replies arrive as Buffers.
 */
export function encodeReply(reply: RedisReply, base64: boolean): JsonReply {
  if (reply === null || reply === undefined) return null;
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64));
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString('base64') : reply.toString('utf8');
  if (reply instanceof Error) return encodeReply(reply.message, base64);
  if (typeof reply === 'string') return base64 ? Buffer.from(reply, 'utf8').toString('base64') : reply;
  if (typeof reply === 'boolean') return reply ? 1 : 0;
  if (typeof reply === 'bigint') return Number(reply);
  return Number.isFinite(reply) ? reply : null;
}

export function encodeOutcome(
  outcome: CommandOutcome,
  base64: boolean,
): { result: JsonReply } | { error: string } {
  return 'error' in outcome ? outcome : { result: encodeReply(outcome.result, base64) };
}

/** Reads the whole request body as UTF-8 (JSON commands are text; binary travels as JSON strings). */
export async function readRequestBody(req: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new BadRequestError(`Request body is larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
