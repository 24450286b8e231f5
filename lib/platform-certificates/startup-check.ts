import 'server-only';
import { getEnv } from '../env';
import { createLogger } from '../log';
import {
  getWechatPayClient,
  getWechatPayConfig,
  isWechatPayError,
  type WechatPayConfig,
} from '../wechat-pay';
import { type PlatformCertificate, toVerificationKey } from '../wechat-pay/certificates';
import { recordDownload } from './store';
import { reloadKeyRing } from './sync';

const log = createLogger('config');

// One signed call at start, GET /v3/certificates (it needs no order), proves what otherwise fails only
// at the first payment: the merchant private key matches WECHATPAY_MERCHANT_SERIAL_NO and WECHATPAY_MCHID
// (else WeChat answers 401 SIGN_ERROR), WeChat's answer verifies with the configured keys (a wrong
// WECHATPAY_PUBLIC_KEY), and the APIv3 key opens the certificates (a wrong WECHATPAY_APIV3_KEY). A
// merchant on the public key only gets 404 RESOURCE_NOT_EXISTS, which still proves the merchant key.
// A definite answer (a wrong key) stops the server; WeChat out of reach (three tries) doesn't: a blip
// during a deploy must not crash-loop every new instance, so it starts, alerts, and /api/health says so.

export type StartupCheck =
  | { ok: true; certificates: PlatformCertificate[]; apiV3KeyChecked: boolean; checkedAt: Date }
  | { ok: false; problem: string; retryable: boolean };

const ATTEMPTS = 3;
const RETRY_DELAY_MS = 2_000;

const globalForCheck = globalThis as typeof globalThis & { __wechatPayStartupCheck?: StartupCheck };

/** The last start-up check's result in this process (for /api/health), if it ran. */
export function lastStartupCheck(): StartupCheck | undefined {
  return globalForCheck.__wechatPayStartupCheck;
}

export async function checkWechatPayCredentials(
  config: WechatPayConfig = getWechatPayConfig(),
): Promise<StartupCheck> {
  let result: StartupCheck = { ok: false, problem: 'not checked', retryable: true };
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    result = await checkOnce(config);
    if (result.ok || !result.retryable) break;
    if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
  }
  globalForCheck.__wechatPayStartupCheck = result;
  return result;
}

async function checkOnce(config: WechatPayConfig): Promise<StartupCheck> {
  const checkedAt = new Date();
  let certificates: PlatformCertificate[];
  try {
    certificates = await getWechatPayClient().downloadPlatformCertificates();
  } catch (error) {
    if (!isWechatPayError(error)) throw error;
    // No certificates: fine when the public key verifies (in both mode, WeChat has finished the
    // switch-over: say so, as the certificates mode is then pointless).
    if (error.code === 'RESOURCE_NOT_EXISTS' && config.verifyWith !== 'certificates') {
      if (config.verifyWith === 'both') {
        log.warn(
          'WeChat Pay has no platform certificates for this merchant: WECHATPAY_VERIFY_WITH=public-key will do',
        );
      }
      return { ok: true, certificates: [], apiV3KeyChecked: false, checkedAt };
    }
    return { ok: false, problem: explain(error.code, error.message, config), retryable: error.retryable };
  }
  const validNow = certificates.filter((c) => c.notBefore <= checkedAt && checkedAt <= c.notAfter);
  if (config.verifyWith !== 'public-key' && validNow.length === 0) {
    return {
      ok: false,
      problem:
        'WeChat Pay lists no platform certificate valid now: WECHATPAY_VERIFY_WITH=certificates cannot verify anything',
      retryable: false,
    };
  }
  if (config.verifyWith !== 'public-key') {
    // Shared with the other instances and loaded into this one's ring. The database may come up after
    // us: then the first unknown serial or the first sweep does it.
    try {
      await recordDownload(certificates);
      await reloadKeyRing(config.verificationKeys);
    } catch (error) {
      // Verified all the same: this instance trusts them until the store can be read.
      config.verificationKeys.replaceDownloaded(
        new Map(certificates.map((c) => [c.serialNo, toVerificationKey(c)])),
      );
      log.warn({ err: error }, 'platform certificates checked but not saved (database unavailable?)');
    }
  }
  return { ok: true, certificates, apiV3KeyChecked: certificates.length > 0, checkedAt };
}

function explain(code: string, message: string, config: WechatPayConfig): string {
  switch (code) {
    case 'SIGN_ERROR':
      return `WeChat Pay refused our signature: WECHATPAY_MERCHANT_PRIVATE_KEY does not match WECHATPAY_MERCHANT_SERIAL_NO for WECHATPAY_MCHID ${config.mchid} (SIGN_ERROR: ${message})`;
    case 'APIV3_KEY_MISMATCH':
      return `WECHATPAY_APIV3_KEY is not the APIv3 key set in the merchant portal: it does not decrypt WeChat Pay's platform certificates (${message})`;
    case 'INVALID_SIGNATURE':
      return config.verifyWith === 'certificates'
        ? `WeChat Pay's answer is not signed by any of its platform certificates (${message})`
        : `WeChat Pay's answer does not verify with WECHATPAY_PUBLIC_KEY (${config.publicKeyId}) or the certificates: check the public key and its id (${message})`;
    case 'RESOURCE_NOT_EXISTS':
      return `WeChat Pay has no platform certificates for this merchant (it is on the WeChat Pay public key): set WECHATPAY_VERIFY_WITH=public-key with WECHATPAY_PUBLIC_KEY_ID and WECHATPAY_PUBLIC_KEY (${message})`;
    case 'NETWORK_ERROR':
    case 'TIMEOUT':
      return `cannot reach WeChat Pay at ${config.baseUrl} (${message})`;
    default:
      return `WeChat Pay answered ${code}: ${message}`;
  }
}

/** At start (instrumentation.ts): stops the process with the problem named, unless WECHATPAY_STARTUP_CHECK=false. */
export async function exitUnlessWechatPayReady(): Promise<void> {
  if (!getEnv().WECHATPAY_STARTUP_CHECK) return;
  const result = await checkWechatPayCredentials();
  if (result.ok) {
    log.info(
      {
        verifyWith: getWechatPayConfig().verifyWith,
        certificates: result.certificates.map((c) => c.serialNo),
      },
      'WeChat Pay credentials checked',
    );
    return;
  }
  if (result.retryable) {
    log.error(
      { alert: 'wechatpay_startup_check_failed', problem: result.problem },
      'WeChat Pay could not be checked at start; starting anyway (see /api/health)',
    );
    return;
  }
  log.fatal(`The server cannot start: ${result.problem}`);
  process.exit(1);
}
