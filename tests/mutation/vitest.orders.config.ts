// What Stryker runs against the money path of lib/orders (tests/mutation/stryker.orders.mjs): the
// orders integration tests, on real PostgreSQL and Redis, with a database and a redis-server per
// Stryker worker (./global-setup.ts) so that concurrent workers never see each other's rows.
import { defineConfig } from 'vitest/config';
import { mutationResolve, repoRoot } from './vitest-shared';

export default defineConfig({
  root: repoRoot,
  resolve: mutationResolve,
  test: {
    name: 'integration',
    environment: 'node',
    // The notification path's certificate learning (handle-payment-notification.ts) is exercised by
    // the platform certificate tests.
    include: [
      'tests/integration/orders/**/*.test.ts',
      'tests/integration/platform-certificates/**/*.test.ts',
    ],
    globalSetup: ['tests/mutation/global-setup.ts'],
    setupFiles: ['tests/support/integration-env.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
