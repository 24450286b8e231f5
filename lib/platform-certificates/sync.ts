import 'server-only';
import { getEnv } from '../env';
import { createLogger } from '../log';
import { type PlatformCertificate, toVerificationKey } from '../wechat-pay/certificates';
import { createWechatPayClient } from '../wechat-pay/client';
import type { WechatPayConfig } from '../wechat-pay/config';
import { isWechatPayError } from '../wechat-pay/errors';
import type { VerificationKeyRing } from '../wechat-pay/key-ring';
import {
  claimRefresh,
  leaseHeldElsewhere,
  loadTrustedCertificates,
  type RefreshReason,
  recordDownload,
  recordFailure,
} from './store';

const log = createLogger('platform-certificates');

// Keeps each instance's key ring in step with the shared store, and the store in step with WeChat:
// a download when the schedule says so or when a message names a serial nobody here knows (both under
// the shared lease and its rate limit), a re-read of the store otherwise.

/** An instance re-reads the store at most this often when looking for a serial. */
const RELOAD_MIN_GAP_MS = 5_000;
/** How long learning a serial waits for another instance's download before giving up. */
const WAIT_FOR_OTHER_DOWNLOAD_MS = 3_000;
/**
 * What a platform certificate serial looks like (normalised: uppercase hex, 40 digits at WeChat). Any
 * other serial (PUB_KEY_ID_… included: the public key is configured, never downloaded) is not looked up.
 */
const CERTIFICATE_SERIAL = /^[0-9A-F]{1,40}$/;

interface RingSync {
  /** When the last reload started, and the generation of the last one applied. */
  reloadStartedAt: number;
  started: number;
  applied: number;
  /** One lookup of an unknown serial at a time per instance, whatever the serial. */
  learning: Promise<void> | null;
  /** No unknown-serial download claim from this instance before this (the shared rate limit, locally). */
  nextUnknownClaimAt: number;
}

const syncs = new WeakMap<VerificationKeyRing, RingSync>();

function syncOf(ring: VerificationKeyRing): RingSync {
  let sync = syncs.get(ring);
  if (!sync) {
    sync = { reloadStartedAt: 0, started: 0, applied: 0, learning: null, nextUnknownClaimAt: 0 };
    syncs.set(ring, sync);
  }
  return sync;
}

/**
 * Replaces the ring's downloaded certificates with those the store trusts now. A reload that finishes
 * after a later one started is dropped: it may predate another instance's download.
 */
export async function reloadKeyRing(ring: VerificationKeyRing): Promise<PlatformCertificate[]> {
  const sync = syncOf(ring);
  const generation = ++sync.started;
  sync.reloadStartedAt = Date.now();
  const { certificates, listKnown } = await loadTrustedCertificates();
  if (generation > sync.applied) {
    sync.applied = generation;
    ring.replaceDownloaded(new Map(certificates.map((c) => [c.serialNo, toVerificationKey(c)])), {
      listKnown,
    });
  }
  return certificates;
}

export type RefreshOutcome = 'downloaded' | 'not-due' | 'failed';

/**
 * Downloads WeChat's platform certificates if this instance gets the lease for `reason`, saves them and
 * reloads the ring. A failure is recorded (consecutive_failures, last_error) and logged as an alert.
 */
export async function refreshPlatformCertificates(
  config: WechatPayConfig,
  reason: RefreshReason,
): Promise<RefreshOutcome> {
  const env = getEnv();
  const intervalMs =
    reason === 'schedule'
      ? env.WECHATPAY_CERT_REFRESH_INTERVAL_MS
      : env.WECHATPAY_CERT_UNKNOWN_SERIAL_INTERVAL_MS;
  if (!(await claimRefresh(reason, intervalMs))) return 'not-due';
  try {
    const certificates = await createWechatPayClient(config).downloadPlatformCertificates();
    await recordDownload(certificates);
    await reloadKeyRing(config.verificationKeys);
    log.info({ reason, serials: certificates.map((c) => c.serialNo) }, 'platform certificates downloaded');
    return 'downloaded';
  } catch (error) {
    const message = isWechatPayError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    await recordFailure(message).catch((recordError: unknown) => {
      log.warn({ err: recordError }, 'could not record the failed certificate download');
    });
    log.error(
      { alert: 'wechatpay_cert_refresh_failing', reason, err: error },
      'platform certificate download failed',
    );
    return 'failed';
  }
}

/**
 * The key ring's resolver: a message names a serial this instance doesn't hold. Another instance may
 * have downloaded it already (re-read the store, at most every RELOAD_MIN_GAP_MS); else download, at
 * most once per WECHATPAY_CERT_UNKNOWN_SERIAL_INTERVAL_MS across all instances (and, without asking the
 * database, from this one), so that serials made up by anyone can't make us hammer WeChat or the
 * database. One lookup at a time per instance: a message arriving meanwhile waits for it. The caller
 * re-checks the ring afterwards.
 */
export async function learnSerial(config: WechatPayConfig, serial: string): Promise<void> {
  if (!CERTIFICATE_SERIAL.test(serial)) return;
  const sync = syncOf(config.verificationKeys);
  if (sync.learning) return sync.learning;
  sync.learning = lookUp(config, serial, sync).finally(() => {
    sync.learning = null;
  });
  return sync.learning;
}

async function lookUp(config: WechatPayConfig, serial: string, sync: RingSync): Promise<void> {
  const ring = config.verificationKeys;
  if (Date.now() - sync.reloadStartedAt >= RELOAD_MIN_GAP_MS) await reloadKeyRing(ring);
  if (!ring.has(serial) && Date.now() >= sync.nextUnknownClaimAt) {
    sync.nextUnknownClaimAt = Date.now() + getEnv().WECHATPAY_CERT_UNKNOWN_SERIAL_INTERVAL_MS;
    const outcome = await refreshPlatformCertificates(config, 'unknown-serial');
    if (outcome === 'not-due') await waitForOtherDownload(ring);
  }
  const resolved = ring.has(serial);
  log.warn(
    { alert: 'wechatpay_unknown_serial', serial, resolved },
    resolved ? 'new WeChat Pay platform certificate learned' : 'WeChat Pay serial unknown: message refused',
  );
}

async function waitForOtherDownload(ring: VerificationKeyRing): Promise<void> {
  const deadline = Date.now() + WAIT_FOR_OTHER_DOWNLOAD_MS;
  let waited = false;
  while (Date.now() < deadline && (await leaseHeldElsewhere())) {
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (waited) await reloadKeyRing(ring);
}
