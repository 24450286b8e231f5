// Thrown values reach the bench's messages from pg, ioredis, fetch and our own code alike.
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
