// WeChat's bodies are verified as bytes first (signatures cover the exact bytes), then parsed. A body that
// isn't JSON, or bytes that aren't UTF-8, come back as undefined, which every schema rejects: one path for
// "unusable body".

export function parseJson(input: string | Uint8Array): unknown {
  // Stryker disable BlockStatement: an emptied catch block returns undefined all the same
  try {
    // Fatal: invalid UTF-8 is refused rather than read as U+FFFD, which would hide what was really sent.
    const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
    return JSON.parse(text);
  } catch {
    return undefined;
  }
  // Stryker restore BlockStatement
}
