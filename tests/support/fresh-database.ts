// A database of its own for a test file whose subject is "everything in the database" (a bill run
// compares a whole day): created on the integration server, migrated, dropped afterwards. Call before
// anything in the file touches the database (the client is made on first use).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { getDb } from '@/lib/db';
import { resetEnvForTests } from '@/lib/env';
import { applyMigrations } from '../../scripts/db/apply-migrations';

export async function useFreshDatabase(): Promise<{ drop(): Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl)
    throw new Error('DATABASE_URL missing: integration tests get it from tests/support/global-setup.ts');
  const name = `recharge_t_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString(), { log: () => {} });
  process.env.DATABASE_URL = url.toString();
  resetEnvForTests();
  return {
    async drop() {
      await getDb().$disconnect();
      await withAdmin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
