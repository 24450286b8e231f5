// Settings shared by the two mutation runs of `npm run test:mutation`. StrykerJS 9 (10.x needs
// Node 22), without a TypeScript checker (TypeScript 7 has no JS compiler API): mutants that
// would not type-check run anyway, and are killed or survive like any other.

import { fileURLToPath } from 'node:url';

/**
 * @param {{ scope: string, mutate: string[], vitestConfig: string, concurrency: number }} options
 * @returns {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export function mutationConfig({ scope, mutate, vitestConfig, concurrency }) {
  return {
    testRunner: 'vitest',
    vitest: { configFile: vitestConfig, related: true },
    // Each mutant runs only the tests that reached it in the initial run.
    coverageAnalysis: 'perTest',
    mutate,
    plugins: [
      '@stryker-mutator/vitest-runner',
      fileURLToPath(new URL('./ignore-console.mjs', import.meta.url)),
    ],
    ignorers: ['console'],
    // Not needed by these tests; keeps the sandbox copy small.
    ignorePatterns: ['/.next', '/e2e', '/docs', '/.data', '/test-results', '/playwright-report', '/coverage'],
    // Committed: a run re-tests only mutants whose code or covering tests changed since then.
    incremental: true,
    incrementalFile: `reports/stryker-incremental-${scope}.json`,
    concurrency,
    reporters: ['clear-text', 'progress', 'json', 'html'],
    jsonReporter: { fileName: `reports/mutation/${scope}.json` },
    htmlReporter: { fileName: `reports/mutation/${scope}.html` },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    // The per-file floor is enforced by scripts/mutation/check-file-scores.ts on the JSON reports.
    thresholds: { high: 95, low: 90, break: null },
    // Stryker rewrites the tsconfig's extends/references for its sandbox through TypeScript's JS
    // API, which TypeScript 7 no longer has. Ours has neither: point it at a file that doesn't exist.
    tsconfigFile: 'tsconfig.stryker-skip.json',
    tempDirName: `.stryker-tmp/${scope}`,
    cleanTempDir: true,
  };
}
