// What Stryker runs against lib/wechat-pay (tests/mutation/stryker.wechat-pay.mjs): the adapter's
// unit tests only. The integration tests reach the adapter too, but through HTTP and a database:
// running them for every adapter mutant would take hours for little extra detection.
import { defineConfig } from 'vitest/config';
import { mutationResolve, repoRoot } from './vitest-shared';

export default defineConfig({
  root: repoRoot,
  resolve: mutationResolve,
  test: {
    name: 'unit',
    environment: 'node',
    include: ['tests/unit/wechat-pay/**/*.test.ts'],
    globalSetup: ['tests/mutation/unit-global-setup.ts'],
  },
});
