// Applies prisma/migrations/*/migration.sql with the same bookkeeping as `prisma migrate deploy`
// (table _prisma_migrations, SHA-256 checksums, advisory lock 72707369), so a machine that has
// Prisma's native engine sees these migrations as applied and a machine without it still migrates.
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { type MigrationOnDisk, readMigrations } from './migrations-dir';

const PRISMA_MIGRATE_LOCK_ID = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export interface ApplyMigrationsResult {
  applied: string[];
  alreadyApplied: string[];
}

function checksumOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

export async function applyMigrations(
  databaseUrl: string,
  options: { log?: (message: string) => void; migrations?: MigrationOnDisk[] } = {},
): Promise<ApplyMigrationsResult> {
  const log = options.log ?? (() => {});
  const migrations = options.migrations ?? readMigrations();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_ID]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
    );
    const live = rows.filter((row) => row.rolled_back_at === null);
    const failed = live.find((row) => row.finished_at === null);
    if (failed) {
      throw new Error(
        `Migration ${failed.migration_name} failed earlier and is marked as failed in _prisma_migrations. ` +
          'Fix the database by hand, then delete or roll back that row (Prisma: P3009).',
      );
    }
    const result: ApplyMigrationsResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const checksum = checksumOf(migration.sql);
      const done = live.find((row) => row.migration_name === migration.name);
      if (done) {
        if (done.checksum !== checksum) {
          throw new Error(
            `Migration ${migration.name} was modified after it was applied (checksum mismatch).`,
          );
        }
        result.alreadyApplied.push(migration.name);
        continue;
      }
      await applyOne(client, migration, checksum);
      log(`applied ${migration.name}`);
      result.applied.push(migration.name);
    }
    const unknown = live.filter((row) => !migrations.some((m) => m.name === row.migration_name));
    for (const row of unknown) log(`warning: ${row.migration_name} is applied but not in prisma/migrations`);
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_ID]).catch(() => {});
    await client.end();
  }
}

async function applyOne(client: pg.Client, migration: MigrationOnDisk, checksum: string): Promise<void> {
  const id = randomUUID();
  await client.query(
    'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
    [id, checksum, migration.name],
  );
  // Unlike Prisma we run each script in a transaction: PostgreSQL DDL is transactional, so a
  // failure leaves the schema untouched instead of half-migrated.
  try {
    await client.query('BEGIN');
    await client.query(migration.sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    const message = error instanceof Error ? error.message : String(error);
    await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, message]);
    throw new Error(`Migration ${migration.name} failed: ${message}`);
  }
  await client.query(
    'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
    [id],
  );
}
