import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// `npm run screenshots`: the README's pictures, taken from the real stack (the e2e one: same server,
// sandbox and sign-in) at a phone viewport (390×844) and a desktop one, into docs/screenshots/.
export default defineConfig({
  ...base,
  testDir: './scripts/screenshots',
  reporter: [['list']],
  retries: 0,
});
