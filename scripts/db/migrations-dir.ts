// Reads prisma/migrations the way Prisma lays it out: one folder per migration, named
// <timestamp>_<name>, each holding migration.sql; applied in name order.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const MIGRATIONS_DIR = resolve(import.meta.dirname, '../../prisma/migrations');
export const SCHEMA_PATH = resolve(import.meta.dirname, '../../prisma/schema.prisma');

export interface MigrationOnDisk {
  name: string;
  sql: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationOnDisk[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, 'migration.sql')))
    .sort()
    .map((name) => ({ name, sql: readFileSync(join(dir, name, 'migration.sql'), 'utf8') }));
}
