// What Stryker runs against refunds and the daily bill (tests/mutation/stryker.refunds.mjs): their
// integration tests against the sandbox on real PostgreSQL and Redis (a database and a redis-server
// per Stryker worker, ./global-setup.ts), and the comparison's unit tests.
import { defineConfig } from 'vitest/config';
import { mutationResolve, repoRoot } from './vitest-shared';

export default defineConfig({
  root: repoRoot,
  resolve: mutationResolve,
  test: {
    name: 'integration',
    environment: 'node',
    include: [
      'tests/integration/refunds/**/*.test.ts',
      'tests/integration/bills/**/*.test.ts',
      'tests/unit/bills/**/*.test.ts',
    ],
    globalSetup: ['tests/mutation/global-setup.ts'],
    setupFiles: ['tests/support/integration-env.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
