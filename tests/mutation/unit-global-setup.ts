// Global setup for the adapter's unit tests under Stryker: generates RSA keys and platform
// certificates once per Stryker worker, instead of in every test file for every mutant
// (tests/support/wechat-pay-keys.ts draws from them; each file gets distinct ones).
import type { TestProject } from 'vitest/node';
import { generateKeyMaterial } from '../support/wechat-pay-keys';

export default async function setup(project: TestProject): Promise<void> {
  // Enough for the hungriest test file (two key sets with certificates, plus spares); a file that
  // needs more generates the rest itself.
  project.provide(
    'pregeneratedWechatPayKeys',
    await generateKeyMaterial({ rsa: 12, platformCertificates: 6 }),
  );
}
