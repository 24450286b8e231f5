// The aliases of vitest.config.ts, for the mutation-testing configs beside this file.
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export const mutationResolve = {
  alias: [
    { find: /^@\//, replacement: repoRoot },
    // `server-only` throws outside React Server Components; tests are server code.
    { find: /^server-only$/, replacement: `${repoRoot}tests/support/server-only.ts` },
  ],
};
