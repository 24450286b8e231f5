/**
 * What the sandbox logs through: pino's call shape (fields, then a message), so that the CLI can pass
 * the shared logger (@recharge/log) and a test can pass nothing (silentLogger) or a recorder.
 */
export interface SandboxLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: SandboxLogger = { info() {}, warn() {}, error() {} };
