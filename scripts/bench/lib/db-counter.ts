// Counts the app's database work with PostgreSQL's own counters: xact_commit + xact_rollback of
// the bench database in pg_stat_database (every query the app sends runs in a transaction).
//
// Two PostgreSQL details decide how this has to be read:
// - The counting connection sits in another database (`postgres`), so reading never counts itself.
// - A backend publishes its counters at most once a second, at the end of a transaction; what it
//   did within a second of its last flush stays pending while it idles. On PostgreSQL 15.20 an idle
//   backend was seen holding pending counts for 25 s and more, until its next transaction or its
//   exit. So waiting after the load is not enough: before each reading the app's idle connections
//   (recognised by their application_name) are terminated, which makes them publish on exit. The
//   app's pool (pg.Pool behind Prisma) drops a terminated idle connection and opens a new one on
//   next use: as a bonus, a window that starts with no app connection and ends with none opened
//   shows "no query" without any counter at all.
import pg from 'pg';

export const APP_APPLICATION_NAME = 'recharge-bench-app';

interface Activity {
  /** App connections open now. */
  connections: number;
  /** Of those, opened since the window began. */
  opened: number;
  /** Of those, that started a query since the window began. */
  queried: number;
}

export interface DbCounter {
  /** The bench database's transaction count once every app backend has published its counters. */
  settledCount(): Promise<number>;
  /** PostgreSQL's clock, to start a window for activitySince(). */
  now(): Promise<Date>;
  /** Live view (pg_stat_activity, no publishing delay) of the app's connections since `since`. */
  activitySince(since: Date): Promise<Activity>;
  close(): Promise<void>;
}

export async function openDbCounter(maintenanceUrl: string, database: string): Promise<DbCounter> {
  const client = new pg.Client({
    connectionString: maintenanceUrl,
    application_name: 'recharge-bench-counter',
    connectionTimeoutMillis: 3_000,
  });
  await client.connect();

  const appBackends = async (): Promise<{ pid: number; state: string | null }[]> =>
    (
      await client.query<{ pid: number; state: string | null }>(
        'select pid, state from pg_stat_activity where datname = $1 and application_name = $2',
        [database, APP_APPLICATION_NAME],
      )
    ).rows;

  const readCount = async (): Promise<number> => {
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ n: string }>(
      'select xact_commit + xact_rollback as n from pg_stat_database where datname = $1',
      [database],
    );
    if (!rows[0]) throw new Error(`database ${database} not found in pg_stat_database`);
    return Number(rows[0].n);
  };

  /** Makes every app backend publish its pending counters by ending it (only once it is idle). */
  const flushAppBackends = async (): Promise<void> => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const backends = await appBackends();
      if (backends.length === 0) return;
      const busy = backends.filter((b) => b.state !== 'idle');
      if (busy.length === 0) {
        await client.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
            where datname = $1 and application_name = $2 and state = 'idle'`,
          [database, APP_APPLICATION_NAME],
        );
      }
      if (Date.now() > deadline) {
        throw new Error(`app connections still open after 5 s: ${JSON.stringify(backends)}`);
      }
      await sleep(20);
    }
  };

  return {
    async settledCount() {
      await flushAppBackends();
      // A backend leaves pg_stat_activity a moment before its exit hook publishes its counters:
      // read until two readings 100 ms apart agree.
      let previous = await readCount();
      for (let i = 0; i < 20; i++) {
        await sleep(100);
        const current = await readCount();
        if (current === previous) return current;
        previous = current;
      }
      return previous;
    },
    async now() {
      const { rows } = await client.query<{ now: Date }>('select clock_timestamp() as now');
      return rows[0]?.now ?? new Date();
    },
    async activitySince(since) {
      const { rows } = await client.query<{ connections: string; opened: string; queried: string }>(
        `select count(*) as connections,
                count(*) filter (where backend_start >= $3) as opened,
                count(*) filter (where query_start >= $3) as queried
           from pg_stat_activity where datname = $1 and application_name = $2`,
        [database, APP_APPLICATION_NAME, since],
      );
      const row = rows[0];
      return {
        connections: Number(row?.connections ?? 0),
        opened: Number(row?.opened ?? 0),
        queried: Number(row?.queried ?? 0),
      };
    },
    async close() {
      await client.end();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
