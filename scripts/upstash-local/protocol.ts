// Upstash's REST wire format, independent of any backend: what @upstash/redis 1.39 sends (always a
// POST of a JSON array: one command to `/`, a list of them to `/pipeline` and `/multi-exec`) and how
// answers are encoded (`Upstash-Encoding: base64`, which the client sends by default, base64-encodes
// every string; integers and null stay as they are).

/** A reply as ioredis gives it with `callBuffer` (or the in-process emulation); errors can sit in arrays. */
export type RedisReply = Buffer | string | number | boolean | null | Error | RedisReply[];

type JsonReply = string | number | null | JsonReply[];

/** One command's answer inside /pipeline and /multi-exec: Upstash reports each one separately. */
export type CommandOutcome = { result: RedisReply } | { error: string };

/** The request itself is malformed: answered 400 before anything reaches Redis. */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
}

/** Redis answered with an error reply (`ERR …`, `WRONGTYPE …`, `NOSCRIPT …`, `EXECABORT …`). */
export class CommandError extends Error {
  override name = 'CommandError';
}

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`Request body is not valid JSON: ${describeError(error)}`);
  }
}

/** One command: a non-empty array of strings and numbers (the client sends numbers as they are). */
export function parseCommand(value: unknown, where = 'Request body'): string[] {
  if (!Array.isArray(value)) {
    throw new BadRequestError(`${where} must be a JSON array of command arguments, e.g. ["SET","k","v"]`);
  }
  if (value.length === 0) throw new BadRequestError(`${where} is an empty command`);
  return value.map((arg, index) => {
    if (typeof arg === 'string') return arg;
    if (typeof arg === 'number' || typeof arg === 'boolean') return String(arg);
    throw new BadRequestError(`${where}: argument ${index} must be a string or a number`);
  });
}

/** `/pipeline` and `/multi-exec` bodies: a non-empty array of commands. */
export function parseCommandBatch(value: unknown): string[][] {
  if (!Array.isArray(value) || value.length === 0 || !value.every(Array.isArray)) {
    throw new BadRequestError(
      'Request body must be a non-empty JSON array of commands, e.g. [["SET","k","v"],["GET","k"]]',
    );
  }
  return value.map((command, index) => parseCommand(command, `Command ${index + 1}`));
}

/** Binary-safe: bulk strings arrive as Buffers and are encoded from their bytes. */
export function encodeReply(reply: RedisReply, base64: boolean): JsonReply {
  if (reply === null) return null;
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64));
  if (reply instanceof Error) return encodeReply(reply.message, base64);
  if (typeof reply === 'string') return encodeReply(Buffer.from(reply, 'utf8'), base64);
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString('base64') : reply.toString('utf8');
  if (typeof reply === 'boolean') return reply ? 1 : 0;
  return reply;
}

export function encodeOutcome(
  outcome: CommandOutcome,
  base64: boolean,
): { result: JsonReply } | { error: string } {
  return 'error' in outcome ? outcome : { result: encodeReply(outcome.result, base64) };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
