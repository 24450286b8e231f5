import 'server-only';
import { getEnv } from '../env';
import { createLogger } from '../log';
import { getWechatPayConfig } from '../wechat-pay';
import { refreshPlatformCertificates, reloadKeyRing } from './sync';

const log = createLogger('platform-certificates');

// The schedule, run by every sweep (the in-process timer and the cron route): download WeChat's
// certificates when the last success is older than WECHATPAY_CERT_REFRESH_INTERVAL_MS (one instance
// does it, under the lease), re-read the store (so every instance picks up what another downloaded and
// drops what WeChat retired), and warn while the newest trusted certificate is close to its end.

const DAY_MS = 24 * 60 * 60 * 1000;
/** The expiry alert is logged at most this often per process. */
const EXPIRY_ALERT_EVERY_MS = DAY_MS;

let lastExpiryAlertAt = 0;

export async function refreshCertificatesIfDue(now = new Date()): Promise<void> {
  const config = getWechatPayConfig();
  if (config.verifyWith === 'public-key') return;
  const outcome = await refreshPlatformCertificates(config, 'schedule');
  const trusted = outcome === 'downloaded' ? null : await reloadKeyRing(config.verificationKeys);
  const latestEnd = Math.max(
    0,
    ...(trusted ?? []).map((c) => c.notAfter.getTime()),
    ...[...config.verificationKeys.values()].map((k) => k.notAfter?.getTime() ?? 0),
  );
  const daysLeft = (latestEnd - now.getTime()) / DAY_MS;
  if (latestEnd > 0 && daysLeft < getEnv().WECHATPAY_CERT_EXPIRY_WARN_DAYS) {
    if (now.getTime() - lastExpiryAlertAt >= EXPIRY_ALERT_EVERY_MS) {
      lastExpiryAlertAt = now.getTime();
      log.warn(
        { alert: 'wechatpay_cert_expiring', daysLeft: Math.floor(daysLeft), notAfter: new Date(latestEnd) },
        'the last WeChat Pay platform certificate expires soon and WeChat lists no successor',
      );
    }
  }
}
