// Global setup for the integration tests under Stryker (tests/mutation/vitest.orders.config.ts). Stryker runs
// several workers at once, each with its own vitest and so its own global setup; on one shared
// database and Redis they would read each other's orders (the stale-order sweep reconciles every
// PENDING order it finds) and reset each other's locks. So each worker gets its own PostgreSQL
// database next to the configured one, and its own redis-server, before the usual setup runs.
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import setupStores from '../support/global-setup';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const worker = process.env.STRYKER_MUTATOR_WORKER;
  if (worker === undefined) return setupStores(project);

  // No REDIS_URL: the Upstash bridge starts a private redis-server for this worker.
  delete process.env.REDIS_URL;
  const configured = process.env.DATABASE_URL;
  if (!configured) return setupStores(project); // the embedded database is private already

  const { url: workerUrl, name } = workerDatabase(configured, worker);
  await recreateDatabase(configured, name);
  process.env.DATABASE_URL = workerUrl;
  const teardown = await setupStores(project);
  return async () => {
    await teardown();
    await dropDatabase(configured, name);
  };
}

/** `…/recharge_test` → `…/recharge_test_stryker_<worker>`: ids are unique within a Stryker run. */
function workerDatabase(configured: string, worker: string): { url: string; name: string } {
  const url = new URL(configured);
  const base = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
  const name = `${base}_stryker_${worker}`;
  url.pathname = `/${encodeURIComponent(name)}`;
  return { url: url.toString(), name };
}

/** Runs statements on the server's `postgres` database (CREATE/DROP DATABASE can't target the current one). */
async function onMaintenanceDatabase(configured: string, statements: string[]): Promise<void> {
  const url = new URL(configured);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

// A worker killed on a timeout never tears down: starting from a fresh database keeps its leftovers out.
async function recreateDatabase(configured: string, name: string): Promise<void> {
  const quoted = quoteIdentifier(name);
  await onMaintenanceDatabase(configured, [
    `DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`,
    `CREATE DATABASE ${quoted}`,
  ]);
}

async function dropDatabase(configured: string, name: string): Promise<void> {
  await onMaintenanceDatabase(configured, [`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`]);
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
