// The database the app runs on during the bench. A fresh one by default, because the counts only
// mean something when nothing else writes to it; a configured DATABASE_URL is used as it is.
import pg from 'pg';
import { redactUrl } from '../../local/stack';
import { onCleanup } from './cleanup';
import { APP_APPLICATION_NAME } from './db-counter';
import { errorMessage } from './error-message';
import { DEFAULT_POSTGRES } from './settings';

export interface BenchDatabase {
  name: string;
  /** What the app connects with: the database plus an application_name the counter recognises. */
  appUrl: string;
  /** Same server, database `postgres`: where the counter reads from without counting itself. */
  maintenanceUrl: string;
  created: boolean;
}

/** `defaultName`: the database created fresh (and dropped at the end) when none is configured. */
export async function prepareDatabase(
  configured: string | undefined,
  defaultName: string,
): Promise<BenchDatabase> {
  const created = !configured;
  const baseUrl = configured || withDatabase(DEFAULT_POSTGRES, defaultName);
  const name = decodeURIComponent(new URL(baseUrl).pathname.slice(1));
  if (!name || name === 'postgres') {
    throw new Error(
      `DATABASE_URL must name a database other than "postgres" (${redactUrl(baseUrl)}): the bench counts ` +
        'its transactions from the "postgres" database.',
    );
  }
  const maintenanceUrl = withDatabase(baseUrl, 'postgres');
  const admin = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${redactUrl(maintenanceUrl)}: ${errorMessage(error)}. ` +
        (configured ? 'Check DATABASE_URL.' : 'Start PostgreSQL on 127.0.0.1:5432 or set DATABASE_URL.'),
    );
  }
  try {
    if (created) {
      await admin.query(`drop database if exists ${defaultName} with (force)`);
      await admin.query(`create database ${defaultName}`);
      onCleanup('bench database', () => dropDatabase(maintenanceUrl, defaultName));
    }
  } finally {
    await admin.end();
  }
  const app = new URL(baseUrl);
  app.searchParams.set('application_name', APP_APPLICATION_NAME);
  return { name, appUrl: app.toString(), maintenanceUrl, created };
}

async function dropDatabase(maintenanceUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 3_000 });
  await client.connect();
  await client.query(`drop database if exists ${name} with (force)`).finally(() => client.end());
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
