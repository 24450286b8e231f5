// @ts-check
// The money path of lib/orders (create, settle, notification handling, status and its cache)
// against the orders integration tests (see stryker-base.mjs and global-setup.ts).
import { mutationConfig } from './stryker-base.mjs';

export default {
  ...mutationConfig({
    scope: 'orders',
    mutate: [
      'lib/orders/create-order.ts',
      'lib/orders/settle-order.ts',
      'lib/orders/handle-payment-notification.ts',
      'lib/orders/get-order-status.ts',
      'lib/orders/order-status-cache.ts',
    ],
    vitestConfig: 'tests/mutation/vitest.orders.config.ts',
    concurrency: 2,
  }),
  // These tests wait on HTTP, PostgreSQL and Redis: on a loaded machine a slow run must not
  // count as a mutant-induced hang.
  timeoutMS: 15_000,
};
