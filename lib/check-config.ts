import 'server-only';
import { getEnv } from './env';
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
    getEnv();
    getWechatPayConfig();
  } catch (error) {
    // The message names every bad variable on its own lines: kept whole for whoever reads it. (stdout
    // is written synchronously on Linux, so the line is out before the exit.)
    createLogger('config').fatal(
      `The server cannot start: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
}
