// Prisma CLI configuration (Prisma 7 requires this file).
// `env('DATABASE_URL')` would throw when the variable is unset, even for `prisma generate`,
// which needs no database; the fallback is the embedded database's default address.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:54329/postgres',
  },
});
