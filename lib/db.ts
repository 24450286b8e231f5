import 'server-only';
import { PrismaPg } from '@prisma/adapter-pg';
import { getEnv } from './env';
import { Prisma, PrismaClient } from './generated/prisma/client';

// One client per process, created on first use (never at import: `next build` imports routes
// without a database). Kept on globalThis so dev-mode hot reloads don't open a pool per edit.
const globalForDb = globalThis as typeof globalThis & { __prisma?: PrismaClient };

export function getDb(): PrismaClient {
  if (!globalForDb.__prisma) {
    const env = getEnv();
    // Sessions in UTC: the adapter sends Date parameters as UTC text without an offset, which a
    // session in another time zone (a server's default) would read as its local time, shifting every
    // timestamp written (paid_at, expires_at…) by the offset.
    const adapter = new PrismaPg({
      connectionString: env.DATABASE_URL,
      max: env.DATABASE_POOL_SIZE,
      options: '-c TimeZone=UTC',
    });
    globalForDb.__prisma = new PrismaClient({ adapter });
  }
  return globalForDb.__prisma;
}

export type Db = PrismaClient;

// Prisma's codes for "the database isn't there": can't reach it, timed out, it closed the
// connection, no connection free in the pool, a transaction couldn't start in time.
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

/** The error says PostgreSQL can't be reached right now (not that a query was wrong). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (UNAVAILABLE_CODES.has(error.code)) return true;
    const kind = (error.meta as { driverAdapterError?: { cause?: { kind?: string } } } | undefined)
      ?.driverAdapterError?.cause?.kind;
    return kind !== undefined && UNAVAILABLE_KINDS.has(kind);
  }
  // pg's own, when a connection dies under a query.
  return error instanceof Error && /Connection terminated|ECONNREFUSED|ECONNRESET/.test(error.message);
}

/**
 * A unique index refused the write (Prisma's P2002): the row exists already. With `column`, only when
 * that column's index refused it.
 */
export function isUniqueViolation(error: unknown, column?: string): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  // A raw statement ($queryRaw) fails with P2010 and the driver's error as it came, which names the
  // constraint (`payment_orders_transaction_id_key`) rather than the column.
  const raw = error.code === 'P2010' && driverErrorKind(error) === 'UniqueConstraintViolation';
  if (error.code !== 'P2002' && !raw) return false;
  if (column === undefined) return true;
  // Where Prisma names it depends on the adapter: the column, or the field in camelCase.
  const camel = column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
  const where = JSON.stringify(error.meta ?? {});
  return where.includes(column) || where.includes(camel);
}

function driverErrorKind(error: Prisma.PrismaClientKnownRequestError): string | undefined {
  const cause = (error.meta?.driverAdapterError as { cause?: { kind?: unknown } } | undefined)?.cause;
  return typeof cause?.kind === 'string' ? cause.kind : undefined;
}
