// WeChat's bodies are read as text first (signatures cover the exact bytes), then parsed. A body that
// isn't JSON comes back as undefined, which every schema rejects: one path for "unusable body".

export function parseJson(text: string): unknown {
  // Stryker disable BlockStatement: an emptied catch block returns undefined all the same
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
  // Stryker restore BlockStatement
}
