// @ts-check
// The money paths of refunds (hold, request, apply WeChat's state, the sweep, notifications) and of the
// daily bill (compare a day, act on its differences) against their tests (see stryker-base.mjs).
import { mutationConfig } from './stryker-base.mjs';

const REFUNDS_MUTATED = [
  'lib/refunds/apply-refund-state.ts',
  'lib/refunds/request-refund.ts',
  'lib/refunds/refundable.ts',
  'lib/refunds/reconcile-refunds.ts',
  'lib/refunds/handle-refund-notification.ts',
  'lib/refunds/learn-refunds.ts',
  'lib/bills/compare.ts',
  'lib/bills/run-bill-reconciliation.ts',
];

export default {
  ...mutationConfig({
    scope: 'refunds',
    mutate: REFUNDS_MUTATED,
    vitestConfig: 'tests/mutation/vitest.refunds.config.ts',
    concurrency: 2,
  }),
  // These tests wait on HTTP, PostgreSQL and Redis: a slow run on a loaded machine is not a hang.
  timeoutMS: 15_000,
};
