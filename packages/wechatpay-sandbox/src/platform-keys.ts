import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { issueCertificate } from './certificate';
import { WechatpaySigner } from './signing';

// Which key WeChat signs with. A merchant verifies either with the WeChat Pay public key (PUB_KEY_ID_…,
// newer merchants) or with platform certificates (older ones, downloaded from GET /v3/certificates), and
// during WeChat's switch-over from one to the other with both. The sandbox runs in one of these modes,
// and rotates its platform certificate as WeChat does: a new certificate is published next to the old one
// (the old one's expire_time brought forward), WeChat starts signing with the new one, the old one is
// retired. It can also sign with a certificate it hasn't published, which a merchant must refuse.

export type VerificationMode = 'public-key' | 'certificate' | 'both';
export const VERIFICATION_MODES = ['public-key', 'certificate', 'both'] as const;

type CertificateState = 'listed' | 'unpublished' | 'retired';

export interface PlatformCertificate {
  serialNo: string;
  pem: string;
  signer: WechatpaySigner;
  notBefore: Date;
  notAfter: Date;
  /** When WeChat stops using it: notAfter, brought forward when a successor is published. */
  expireTime: Date;
  state: CertificateState;
}

export interface PlatformKeysOptions {
  mode: VerificationMode;
  publicKeyId: string;
  publicKeyPrivatePem: string;
  /** Default 5 years, as WeChat's current certificates. */
  certificateValidityDays?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** WeChat lists the new certificate ≥ 24 h before signing with it, and moves the old one's expiry that close. */
export const DEFAULT_OVERLAP_MS = DAY_MS;

export class PlatformKeys {
  mode: VerificationMode;
  /** In `both` mode, the share of notifications signed with the public key (WeChat moves them over gradually). */
  notificationPublicKeyShare = 0.5;
  private certificates: PlatformCertificate[] = [];
  private activeSerial = '';
  private readonly publicKeySigner: WechatpaySigner;
  private readonly issuerKey: KeyObject;
  private readonly validityMs: number;
  private notificationCount = 0;
  /** The certificate issued at start, which reset() restores: a merchant that has it keeps verifying. */
  private readonly initial: PlatformCertificate;
  /** Answers and notifications still to sign with an unpublished certificate. */
  private unpublished: { serialNo: string; responses: number; notifications: number } | null = null;

  constructor(private readonly options: PlatformKeysOptions) {
    this.mode = options.mode;
    this.publicKeySigner = new WechatpaySigner(options.publicKeyPrivatePem, options.publicKeyId);
    this.issuerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    this.validityMs = (options.certificateValidityDays ?? 5 * 365) * DAY_MS;
    this.initial = this.issue('listed');
    this.reset();
  }

  /** Back to the start: the first certificate alone, listed and active, and the mode given at start. */
  reset(): void {
    this.mode = this.options.mode;
    this.notificationPublicKeyShare = 0.5;
    this.notificationCount = 0;
    this.unpublished = null;
    this.initial.state = 'listed';
    this.initial.expireTime = this.initial.notAfter;
    this.certificates = [this.initial];
    this.activeSerial = this.initial.serialNo;
  }

  /** What GET /v3/certificates lists: empty in public-key mode (WeChat answers 404 then). */
  listed(): PlatformCertificate[] {
    return this.certificates.filter((c) => c.state === 'listed');
  }

  get publicKeyId(): string {
    return this.options.publicKeyId;
  }

  /**
   * The signer of an API answer. WeChat signs with the platform certificate unless the merchant asks for
   * the public key with the request header `Wechatpay-Serial: PUB_KEY_ID_…`, which counts only once the
   * merchant has started the switch-over (mode `both`).
   */
  forResponse(requestSerial: string | undefined): WechatpaySigner {
    const unpublished = this.takeUnpublished('responses');
    if (unpublished) return unpublished;
    if (this.mode === 'public-key') return this.publicKeySigner;
    if (this.mode === 'both' && requestSerial === this.options.publicKeyId) return this.publicKeySigner;
    return this.active().signer;
  }

  /** The signer of a notification: in `both` mode, the public key for its share of them. */
  forNotification(): WechatpaySigner {
    const unpublished = this.takeUnpublished('notifications');
    if (unpublished) return unpublished;
    if (this.mode === 'public-key') return this.publicKeySigner;
    if (this.mode === 'certificate') return this.active().signer;
    const n = this.notificationCount++;
    const share = this.notificationPublicKeyShare;
    // Deterministic spread: notification n uses the public key when the running share crosses an integer.
    const usePublicKey = Math.floor((n + 1) * share) > Math.floor(n * share);
    return usePublicKey ? this.publicKeySigner : this.active().signer;
  }

  /** Rotation, step 1: a new certificate is listed beside the old one, whose expire_time comes to now + overlap. */
  publish(overlapMs: number = DEFAULT_OVERLAP_MS, now = new Date()): PlatformCertificate {
    const next = this.issue('listed', now);
    const old = this.active();
    const expire = new Date(now.getTime() + overlapMs);
    if (old.expireTime > expire) old.expireTime = expire;
    this.certificates.push(next);
    return next;
  }

  /** Rotation, step 2: sign with the newest listed certificate. */
  activate(): PlatformCertificate {
    const listed = this.listed();
    const newest = listed[listed.length - 1];
    if (!newest) throw new Error('no listed certificate to activate');
    this.activeSerial = newest.serialNo;
    return newest;
  }

  /** Rotation, step 3: every listed certificate but the active one stops being listed or used. */
  retire(): PlatformCertificate[] {
    const retired = this.listed().filter((c) => c.serialNo !== this.activeSerial);
    for (const certificate of retired) certificate.state = 'retired';
    return retired;
  }

  /**
   * Signs the next `responses` answers and `notifications` notifications with a certificate that is not
   * listed (a forged key, to a merchant). Returns its serial.
   */
  signUnpublished(counts: { responses: number; notifications: number }): string {
    const certificate = this.issue('unpublished');
    this.certificates.push(certificate);
    this.unpublished = { serialNo: certificate.serialNo, ...counts };
    return certificate.serialNo;
  }

  describe() {
    return {
      mode: this.mode,
      publicKeyId: this.options.publicKeyId,
      activeSerial: this.activeSerial,
      notificationPublicKeyShare: this.notificationPublicKeyShare,
      unpublished: this.unpublished,
      certificates: this.certificates.map(({ serialNo, state, notBefore, notAfter, expireTime }) => ({
        serialNo,
        state,
        active: serialNo === this.activeSerial,
        notBefore: notBefore.toISOString(),
        notAfter: notAfter.toISOString(),
        expireTime: expireTime.toISOString(),
      })),
    };
  }

  private active(): PlatformCertificate {
    const active = this.certificates.find((c) => c.serialNo === this.activeSerial);
    if (!active) throw new Error('no active platform certificate');
    return active;
  }

  private takeUnpublished(kind: 'responses' | 'notifications'): WechatpaySigner | undefined {
    const pending = this.unpublished;
    if (!pending || pending[kind] <= 0) return undefined;
    pending[kind]--;
    return this.certificates.find((c) => c.serialNo === pending.serialNo)?.signer;
  }

  private issue(state: CertificateState, now = new Date()): PlatformCertificate {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // A minute back, so that a merchant whose clock runs a little behind still finds it valid.
    const notBefore = new Date(now.getTime() - 60_000);
    const notAfter = new Date(notBefore.getTime() + this.validityMs);
    const { serialNo, pem } = issueCertificate({ publicKey, issuerKey: this.issuerKey, notBefore, notAfter });
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    return {
      serialNo,
      pem,
      signer: new WechatpaySigner(privatePem, serialNo),
      notBefore,
      notAfter,
      expireTime: notAfter,
      state,
    };
  }
}
