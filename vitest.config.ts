import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

const resolve = {
  alias: [
    { find: /^@\//, replacement: root },
    // `server-only` throws outside React Server Components; tests are server code.
    { find: /^server-only$/, replacement: `${root}tests/support/server-only.ts` },
  ],
};

export default defineConfig({
  resolve,
  test: {
    projects: [
      // Each workspace package runs with its own config, as `npm test -w <package>` does.
      'packages/*/vitest.config.ts',
      {
        resolve,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['tests/unit/**/*.test.ts', 'scripts/local/**/*.test.ts'],
        },
      },
      {
        resolve,
        test: {
          name: 'integration',
          environment: 'node',
          include: ['tests/integration/**/*.test.ts'],
          // Starts (or connects to) PostgreSQL and Redis once for the whole run.
          globalSetup: ['tests/support/global-setup.ts'],
          setupFiles: ['tests/support/integration-env.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
