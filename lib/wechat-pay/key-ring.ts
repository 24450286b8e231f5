import 'server-only';
import type { KeyObject } from 'node:crypto';
import { normalizeSerial } from './serial';

// The keys WeChat Pay's signatures are verified with: those configured (the WeChat Pay public key, and
// in public-key mode any platform certificates given in the environment), the seed (in certificates
// and both modes, the certificates given in the environment: trusted until WeChat's own list is known,
// so that one WeChat no longer lists, revoked say, doesn't stay trusted for years) and the platform
// certificates downloaded from GET /v3/certificates, which the app replaces as it refreshes them. Lookups are synchronous and read
// memory only, so a notification costs no storage round trip; a serial not held can be learned with
// ensure(), which asks whoever registered with onUnknownSerial (the app: a rate-limited refresh).

/** A key WeChat Pay signs with, selected by the `Wechatpay-Serial` header of a response or notification. */
export type VerificationKey = {
  publicKey: KeyObject;
  /** Platform certificates are trusted only inside their validity window; WeChat Pay public keys have none. */
  notBefore?: Date;
  notAfter?: Date;
};

type Resolver = (serial: string) => Promise<void>;

/** Serials being learned at once, at most: beyond, an unknown serial is refused without asking. */
const MAX_PENDING_SERIALS = 32;

export class VerificationKeyRing implements ReadonlyMap<string, VerificationKey> {
  private merged: Map<string, VerificationKey>;
  private downloaded: ReadonlyMap<string, VerificationKey> = new Map();
  private seed: ReadonlyMap<string, VerificationKey>;
  private resolver: Resolver | undefined;
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(
    readonly configured: ReadonlyMap<string, VerificationKey>,
    seed: ReadonlyMap<string, VerificationKey> = new Map(),
  ) {
    this.seed = new Map(seed);
    this.merged = new Map([...this.seed, ...configured]);
  }

  /**
   * Swaps in the downloaded certificates as a whole; a configured key with the same serial wins.
   * `listKnown`: they are WeChat's list (a download has succeeded), so the seed is dropped for good.
   */
  replaceDownloaded(keys: ReadonlyMap<string, VerificationKey>, { listKnown = true } = {}): void {
    this.downloaded = new Map(keys);
    if (listKnown) this.seed = new Map();
    this.merged = new Map([...this.seed, ...this.downloaded, ...this.configured]);
  }

  seedSerials(): string[] {
    return [...this.seed.keys()];
  }

  downloadedSerials(): string[] {
    return [...this.downloaded.keys()];
  }

  /** Registers what ensure() calls for a serial not held; one resolver per ring (the last one wins). */
  onUnknownSerial(resolver: Resolver): void {
    this.resolver = resolver;
  }

  /**
   * True when the serial is held, after asking the resolver once if it wasn't. Concurrent calls for one
   * serial share one resolution. A failing resolver counts as "not learned": the caller refuses the
   * message, and WeChat's retry comes back later.
   */
  ensure(serial: string): Promise<boolean> {
    const key = normalizeSerial(serial);
    if (this.merged.has(key)) return Promise.resolve(true);
    const resolver = this.resolver;
    if (!resolver) return Promise.resolve(false);
    let pending = this.pending.get(key);
    if (!pending) {
      if (this.pending.size >= MAX_PENDING_SERIALS) return Promise.resolve(false);
      pending = resolver(key)
        .then(
          () => this.merged.has(key),
          () => false,
        )
        .finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  get size(): number {
    return this.merged.size;
  }
  get(serial: string): VerificationKey | undefined {
    return this.merged.get(serial);
  }
  has(serial: string): boolean {
    return this.merged.has(serial);
  }
  keys(): MapIterator<string> {
    return this.merged.keys();
  }
  values(): MapIterator<VerificationKey> {
    return this.merged.values();
  }
  entries(): MapIterator<[string, VerificationKey]> {
    return this.merged.entries();
  }
  forEach(
    callback: (value: VerificationKey, key: string, map: ReadonlyMap<string, VerificationKey>) => void,
  ): void {
    for (const [key, value] of this.merged) callback(value, key, this);
  }
  [Symbol.iterator](): MapIterator<[string, VerificationKey]> {
    return this.merged[Symbol.iterator]();
  }
}
