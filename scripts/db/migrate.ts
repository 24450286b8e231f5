// npm run db:migrate — apply pending migrations to DATABASE_URL (default: the embedded database).

import { createServiceLogger } from '@recharge/log';
import { LOCAL_DEFAULTS } from '../../lib/local-defaults';
import { loadLocalEnvFile } from '../local/load-env-file';
import { applyMigrations } from './apply-migrations';

const logger = createServiceLogger('db-migrate');

loadLocalEnvFile();
const databaseUrl = process.env.DATABASE_URL ?? LOCAL_DEFAULTS.databaseUrl;
applyMigrations(databaseUrl, { log: (message) => logger.info(message) })
  .then(({ applied, alreadyApplied }) => {
    logger.info(
      { applied: applied.length, alreadyApplied: alreadyApplied.length },
      `migrations: ${applied.length} applied, ${alreadyApplied.length} already up to date`,
    );
  })
  .catch((error: unknown) => {
    logger.fatal({ error }, error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
