import { createHash } from 'node:crypto';
import type { RedisReply } from './protocol';

// @upstash/ratelimit's scripts begin with `#!lua flags=allow-key-locking`, a flag only Upstash knows:
// real Redis answers `ERR Unexpected flag in script shebang` (Redis < 7 rejects any shebang). The
// bridge drops the shebang line before the script reaches Redis. Clients identify scripts by the SHA1
// of the text THEY hold, so the bridge remembers original SHA1 -> SHA1 of the text Redis cached and
// rewrites EVALSHA / SCRIPT EXISTS accordingly, and SCRIPT LOAD answers the original SHA1.

// Only the line's content: the newline stays so Lua error line numbers still match the client's text.
const SHEBANG_LINE = /^#!lua[^\n]*/;

export interface PreparedCommand {
  command: string[];
  /** Applied to a successful reply of this command. */
  mapReply: (reply: RedisReply) => RedisReply;
}

export interface ScriptRewriter {
  prepareCommand(command: string[]): PreparedCommand;
}

const keepReply = (reply: RedisReply): RedisReply => reply;

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** Removes a leading `#!lua…` shebang line, or returns undefined when the script has none. */
export function stripShebang(script: string): string | undefined {
  return SHEBANG_LINE.test(script) ? script.replace(SHEBANG_LINE, '') : undefined;
}

export function createScriptRewriter(): ScriptRewriter {
  // Grows by one entry per distinct shebang script: a handful in practice.
  const cachedShaByOriginalSha = new Map<string, string>();

  const rememberScript = (original: string): string => {
    const stripped = stripShebang(original);
    if (stripped === undefined) return original;
    cachedShaByOriginalSha.set(sha1Hex(original), sha1Hex(stripped));
    return stripped;
  };
  const translateSha = (sha: string): string => cachedShaByOriginalSha.get(sha.toLowerCase()) ?? sha;

  return {
    prepareCommand(command) {
      const [name = '', first, ...rest] = command;
      const lowerName = name.toLowerCase();
      if (first === undefined) return { command, mapReply: keepReply };

      if (lowerName === 'eval' || lowerName === 'eval_ro') {
        return { command: [name, rememberScript(first), ...rest], mapReply: keepReply };
      }
      if (lowerName === 'evalsha' || lowerName === 'evalsha_ro') {
        // Unknown hashes pass unchanged, so Redis answers NOSCRIPT and the client falls back to EVAL.
        return { command: [name, translateSha(first), ...rest], mapReply: keepReply };
      }
      if (lowerName !== 'script') return { command, mapReply: keepReply };

      const subcommand = first.toLowerCase();
      const [script] = rest;
      if (subcommand === 'load' && script !== undefined && stripShebang(script) !== undefined) {
        const originalSha = sha1Hex(script);
        return {
          command: [name, first, rememberScript(script), ...rest.slice(1)],
          mapReply: () => originalSha,
        };
      }
      if (subcommand === 'exists') {
        return { command: [name, first, ...rest.map(translateSha)], mapReply: keepReply };
      }
      return { command, mapReply: keepReply };
    },
  };
}
