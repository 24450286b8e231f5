import 'server-only';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { getEnv } from './env';
import { PEER_ADDRESS_HEADER } from './http/client-address';
import { createLogger } from './log';
import { getWechatPayConfig } from './wechat-pay';

/**
 * Run once when a server process starts. A server with a bad configuration must not start: left
 * running, it would answer every request with a 500 (and miss WeChat's notifications) until someone
 * reads its log. Checks the variables (all bad ones are named at once), then the WeChat Pay keys
 * they point at (readable, well-formed, matching the configured ids).
 */
export function exitUnlessConfigValid(): void {
  try {
    const env = getEnv();
    getWechatPayConfig();
    if (env.TRUSTED_PROXY_COUNT === 0) assertPeerAddressPatched();
  } catch (error) {
    // The message names every bad variable on its own lines: kept whole for whoever reads it. (stdout
    // is written synchronously on Linux, so the line is out before the exit.)
    createLogger('config').fatal(
      `The server cannot start: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
}

/**
 * With no proxy counted, the client's address is the header our patch to Next's server writes on
 * every request (lib/http/client-address.ts). Without the patch (an install with --ignore-scripts, a
 * Next.js version it doesn't apply to) any client could write that header and choose its address,
 * and every per-address limit would be void: refuse to start instead.
 */
function assertPeerAddressPatched(): void {
  const require = createRequire(join(process.cwd(), 'package.json'));
  const serverFile = require.resolve('next/dist/server/base-server.js');
  if (!readFileSync(serverFile, 'utf8').includes(PEER_ADDRESS_HEADER)) {
    throw new Error(
      `Next.js is not patched to record the client's address (${PEER_ADDRESS_HEADER}): run npm install ` +
        '(its postinstall applies patches/ with patch-package), or set TRUSTED_PROXY_COUNT behind proxies.',
    );
  }
}
