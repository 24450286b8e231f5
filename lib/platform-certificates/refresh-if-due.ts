import 'server-only';
import { getEnv } from '../env';
import { createLogger } from '../log';
import { getWechatPayConfig } from '../wechat-pay';
import { certificateDaysLeft } from './status';
import { refreshPlatformCertificates, reloadKeyRing } from './sync';

const log = createLogger('platform-certificates');

// The schedule, run by every sweep (the in-process timer and the cron route): download WeChat's
// certificates when the last success is older than WECHATPAY_CERT_REFRESH_INTERVAL_MS (one instance
// does it, under the lease), re-read the store (so every instance picks up what another downloaded and
// drops what WeChat retired), and warn while the newest trusted certificate is close to its end.

/** The expiry alert is logged at most this often per process. */
const EXPIRY_ALERT_EVERY_MS = 24 * 60 * 60 * 1000;

let lastExpiryAlertAt = 0;

export async function refreshCertificatesIfDue(now = new Date()): Promise<void> {
  const config = getWechatPayConfig();
  if (config.verifyWith === 'public-key') return;
  // A download reloads the ring itself; otherwise pick up what other instances downloaded or retired.
  if ((await refreshPlatformCertificates(config, 'schedule')) !== 'downloaded') {
    await reloadKeyRing(config.verificationKeys);
  }
  const daysLeft = certificateDaysLeft(config, now);
  if (daysLeft !== null && daysLeft < getEnv().WECHATPAY_CERT_EXPIRY_WARN_DAYS) {
    if (now.getTime() - lastExpiryAlertAt >= EXPIRY_ALERT_EVERY_MS) {
      lastExpiryAlertAt = now.getTime();
      log.warn(
        { alert: 'wechatpay_cert_expiring', daysLeft },
        'the last WeChat Pay platform certificate expires soon and WeChat lists no successor',
      );
    }
  }
}
