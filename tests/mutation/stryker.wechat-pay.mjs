// @ts-check
// lib/wechat-pay against its unit tests (see stryker-base.mjs).
import { mutationConfig } from './stryker-base.mjs';

export default mutationConfig({
  scope: 'wechat-pay',
  mutate: ['lib/wechat-pay/**/*.ts'],
  vitestConfig: 'tests/mutation/vitest.wechat-pay.config.ts',
  concurrency: 2,
});
