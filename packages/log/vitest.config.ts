import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'log',
    environment: 'node',
    include: ['test/**/*.test.ts'],
  },
});
