// npm run db:migrate — apply pending migrations to DATABASE_URL (default: the embedded database).

import { LOCAL_DEFAULTS } from '../../lib/local-defaults';
import { loadLocalEnvFile } from '../local/load-env-file';
import { applyMigrations } from './apply-migrations';

loadLocalEnvFile();
const databaseUrl = process.env.DATABASE_URL ?? LOCAL_DEFAULTS.databaseUrl;
applyMigrations(databaseUrl, { log: (m) => console.log(m) })
  .then(({ applied, alreadyApplied }) => {
    console.log(`migrations: ${applied.length} applied, ${alreadyApplied.length} already up to date`);
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
