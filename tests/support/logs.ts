// What the app logged: lib/log.ts writes one JSON object per line to process.stdout; a test spies on
// it, keeps the lines (silently) and reads them back as objects.
import { type MockInstance, vi } from 'vitest';

interface LogLine {
  level: number;
  module?: string;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

export interface CapturedLogs {
  lines(): LogLine[];
  /** The reasons of `notification rejected` lines, in order. */
  rejections(): string[];
  clear(): void;
  restore(): void;
}

export function captureLogs(): CapturedLogs {
  let captured: LogLine[] = [];
  const spy: MockInstance = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    for (const text of String(chunk).split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        captured.push(JSON.parse(text) as LogLine);
      } catch {
        // not one of ours
      }
    }
    return true;
  });
  return {
    lines: () => captured,
    rejections: () => captured.filter((l) => l.msg === 'notification rejected').map((l) => String(l.reason)),
    clear: () => {
      captured = [];
    },
    restore: () => spy.mockRestore(),
  };
}
