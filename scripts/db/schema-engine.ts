// Loads Prisma's schema engine compiled to WebAssembly. The Prisma CLI wants a native engine that
// can't be downloaded on every machine (README, "Database and migrations"); the wasm build of the same engine
// ships on npm and computes the same migration SQL.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import pg from 'pg';

const require = createRequire(import.meta.url);

type PgConfig = { host: string; port: number; user: string; password?: string; database: string };

function pgConfigFromUrl(databaseUrl: string): PgConfig {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password) || undefined,
    database: url.pathname.slice(1) || 'postgres',
  };
}

/**
 * PrismaPg's own shadow database handling (7.10) drops the database while its pool is still
 * connected (the DROP fails) and, given a connection string, replays the migrations on the real
 * database instead of the shadow one. Here: discrete connection fields, and the shadow pool is
 * closed before the DROP.
 */
class ShadowSafePrismaPg extends PrismaPg {
  constructor(private readonly pgConfig: PgConfig) {
    super(pgConfig);
  }

  override async connectToShadowDb(): ReturnType<PrismaPg['connectToShadowDb']> {
    const admin = await this.connect();
    const database = `prisma_migrate_shadow_db_${crypto.randomUUID()}`;
    await admin.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = await new PrismaPg({ ...this.pgConfig, database }).connect();
    const closeShadowPool = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await closeShadowPool();
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.dispose();
    };
    return shadow;
  }
}

export async function loadSchemaEngine(schema: string, databaseUrl: string): Promise<SchemaEngine> {
  const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  // The package's entry point imports the .wasm file as an ES module, which Node can't do yet:
  // instantiate it by hand with the JS glue as its import object.
  const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  const bytes = readFileSync(bgPath.replace(/\.js$/, '.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, {
    './schema_engine_bg.js': glue as unknown as WebAssembly.ModuleImports,
  });
  const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start(): void };
  (glue as unknown as { __wbg_set_wasm(w: unknown): void }).__wbg_set_wasm(exports);
  exports.__wbindgen_start();

  treatPgCharAsText();
  const adapter = bindMigrationAwareSqlAdapterFactory(new ShadowSafePrismaPg(pgConfigFromUrl(databaseUrl)));
  return glue.SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => {}, adapter);
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/**
 * The engine describes a database by reading pg_catalog, whose `"char"` columns (relkind, …) the
 * pg driver adapter refuses ("Column type 'char' could not be deserialized"). They hold one
 * character of text: report them as text. Only this CLI process is affected, never the app.
 */
function treatPgCharAsText(): void {
  for (const Klass of [pg.Pool, pg.Client]) {
    const proto = Klass.prototype as unknown as { query: (...args: unknown[]) => unknown; charAsText?: true };
    if (proto.charAsText) continue;
    const original = proto.query;
    proto.query = function queryWithCharAsText(this: unknown, ...args: unknown[]) {
      const out = original.apply(this, args);
      if (!(out instanceof Promise)) return out;
      return out.then((result: { fields?: { dataTypeID: number }[] } | undefined) => {
        for (const field of result?.fields ?? []) {
          if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
        }
        return result;
      });
    };
    proto.charAsText = true;
  }
}
