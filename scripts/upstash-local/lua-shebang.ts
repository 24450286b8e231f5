// @upstash/ratelimit's scripts begin with `#!lua flags=allow-key-locking`, a flag only Upstash knows:
// real Redis answers `ERR Unexpected flag in script shebang`. The bridge drops that line before a
// script reaches Redis. The limiter calls EVALSHA with the SHA1 of the text it holds (shebang
// included) and falls back to EVAL on NOSCRIPT, so the bridge remembers, per EVAL it rewrote,
// original SHA1 -> SHA1 of the text Redis cached, and translates later EVALSHAs.
import { createHash } from 'node:crypto';

// Only the line's content: the newline stays so that Lua error line numbers match the client's text.
const SHEBANG_LINE = /^#!lua[^\n]*/;

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** Rewrites EVAL / EVALSHA (and their _RO forms); every other command passes unchanged. */
export function createShebangRewriter(): (command: string[]) => string[] {
  // One entry per distinct shebang script: a handful in practice.
  const redisShaByClientSha = new Map<string, string>();

  return (command) => {
    const [name = '', first, ...rest] = command;
    if (first === undefined) return command;
    const lower = name.toLowerCase();
    if ((lower === 'eval' || lower === 'eval_ro') && SHEBANG_LINE.test(first)) {
      const stripped = first.replace(SHEBANG_LINE, '');
      redisShaByClientSha.set(sha1Hex(first), sha1Hex(stripped));
      return [name, stripped, ...rest];
    }
    if (lower === 'evalsha' || lower === 'evalsha_ro') {
      // An unknown hash passes unchanged: Redis answers NOSCRIPT and the client falls back to EVAL.
      return [name, redisShaByClientSha.get(first.toLowerCase()) ?? first, ...rest];
    }
    return command;
  };
}
