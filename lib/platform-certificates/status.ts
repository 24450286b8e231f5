import 'server-only';
import { getEnv } from '../env';
import { getWechatPayConfig, type WechatPayConfig } from '../wechat-pay';
import type { VerificationKey, VerificationKeyRing } from '../wechat-pay/key-ring';
import { lastStartupCheck } from './startup-check';
import { readRefreshState } from './store';

// What /api/health says about the keys that verify WeChat Pay: read from memory (this instance's key
// ring) and from the shared refresh row; never a call to WeChat (the health route is public).

export interface WechatPayKeysState {
  verifyWith: 'public-key' | 'certificates' | 'both';
  /** Serials this instance trusts now (valid now): the public key id and/or certificate serials. */
  trustedSerials: string[];
  /** Days until the last trusted certificate ends; null with a public key (it has no end) or none. */
  certificateDaysLeft: number | null;
  /** Since the last successful download of the certificates (any instance); null: never (or public-key mode). */
  lastRefreshAgeSeconds: number | null;
  consecutiveRefreshFailures: number;
  /** This instance's start-up check: passed, failed, or not run (WECHATPAY_STARTUP_CHECK=false). */
  startupCheck: 'passed' | 'failed' | 'not-run';
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** WeChat asks for a download at least every 12 hours. */
const REFRESH_OVERDUE_SECONDS = 12 * 60 * 60;

/** The keys valid now, by serial. */
function validKeys(ring: VerificationKeyRing, now: Date): [string, VerificationKey][] {
  return [...ring.entries()].filter(
    ([, key]) => (!key.notBefore || key.notBefore <= now) && (!key.notAfter || now <= key.notAfter),
  );
}

/**
 * Days until the last trusted certificate ends; null when nothing but a public key (it has no end) is
 * trusted, or when the public key verifies anyway (modes public-key and both: WeChat signs with it on
 * request). Also what the expiry alert of the schedule (refresh-if-due.ts) watches.
 */
export function certificateDaysLeft(config: WechatPayConfig, now: Date): number | null {
  const ends = validKeys(config.verificationKeys, now).map(([, key]) => key.notAfter?.getTime());
  if (config.verifyWith !== 'certificates' && ends.includes(undefined)) return null;
  const latestEnd = Math.max(0, ...ends.map((end) => end ?? 0));
  return latestEnd === 0 ? null : Math.floor((latestEnd - now.getTime()) / DAY_MS);
}

export async function readWechatPayKeysState(now = new Date()): Promise<WechatPayKeysState> {
  const config = getWechatPayConfig();
  const refresh = config.verifyWith === 'public-key' ? null : await readRefreshState();
  const check = lastStartupCheck();
  return {
    verifyWith: config.verifyWith,
    trustedSerials: validKeys(config.verificationKeys, now).map(([serial]) => serial),
    certificateDaysLeft: certificateDaysLeft(config, now),
    lastRefreshAgeSeconds: refresh?.lastSuccessAt
      ? Math.max(0, Math.round((now.getTime() - refresh.lastSuccessAt.getTime()) / 1000))
      : null,
    consecutiveRefreshFailures: refresh?.consecutiveFailures ?? 0,
    startupCheck: check === undefined ? 'not-run' : check.ok ? 'passed' : 'failed',
  };
}

/**
 * `wechatpay-no-valid-key`, `wechatpay-cert-expiring`, `wechatpay-refresh-failing`,
 * `wechatpay-startup-check-failed` (WeChat was out of reach at start: the keys are unproved).
 */
export function wechatPayKeysAttention(state: WechatPayKeysState): string[] {
  const attention: string[] = [];
  if (state.startupCheck === 'failed') attention.push('wechatpay-startup-check-failed');
  if (state.trustedSerials.length === 0) attention.push('wechatpay-no-valid-key');
  if (
    state.certificateDaysLeft !== null &&
    state.certificateDaysLeft < getEnv().WECHATPAY_CERT_EXPIRY_WARN_DAYS
  ) {
    attention.push('wechatpay-cert-expiring');
  }
  const overdue =
    state.lastRefreshAgeSeconds === null || state.lastRefreshAgeSeconds > REFRESH_OVERDUE_SECONDS;
  if (state.verifyWith !== 'public-key' && state.consecutiveRefreshFailures > 0 && overdue) {
    attention.push('wechatpay-refresh-failing');
  }
  return attention;
}
