import 'server-only';
import type { WechatPayConfig } from '../wechat-pay/config';
import { learnSerial } from './sync';

/**
 * Called by the adapter's wiring (lib/wechat-pay/from-env.ts) on the config it builds: in certificates
 * and both modes, a serial the key ring doesn't hold is learned from the shared store or from WeChat.
 * In public-key mode an unknown serial is simply refused.
 */
export function attachPlatformCertificates(config: WechatPayConfig): void {
  if (config.verifyWith === 'public-key') return;
  config.verificationKeys.onUnknownSerial((serial) => learnSerial(config, serial));
}
