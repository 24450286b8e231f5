// Faults injected into the v3 API endpoints (and, through the same queue, the login OAuth endpoints:
// oauth-faults.ts), into notification delivery and into refunds, and per-endpoint call counters (tests
// count WeChat calls).

export const ENDPOINTS = [
  'create',
  'query',
  'close',
  'refund',
  'refund-query',
  'tradebill',
  'download',
  'certificates',
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/**
 * - `frequency-limited`: 429 FREQUENCY_LIMITED (what close answers while the payer is entering the PIN)
 * - `system-error`: 500 SYSTEM_ERROR
 * - `delay`: answer normally, `delayMs` late (the work is done first, as when WeChat is slow to reply)
 * - `bad-signature`: answer normally but with a signature that does not verify
 * - `probe-signature`: answer normally but with WeChat's `WECHATPAY/SIGNTEST/` probe signature, which
 *   WeChat also sends on API responses; a merchant must reject it (and may retry the same request)
 * - `stale-signature`: answer normally, validly signed but dated 400 s ago (outside the replay window)
 */
export const API_FAULT_KINDS = [
  'frequency-limited',
  'system-error',
  'delay',
  'bad-signature',
  'probe-signature',
  'stale-signature',
] as const;
type ApiFaultKind = (typeof API_FAULT_KINDS)[number];

export interface ApiFault {
  endpoint: Endpoint | 'any';
  kind: ApiFaultKind;
  /** Calls still to be affected. */
  remaining: number;
  delayMs: number;
  /** For 429/500: carry the request out first, then answer with the error (outcome unknown to the caller). */
  afterProcessing: boolean;
}

/** Faults in notification delivery (notify.ts), payments' and refunds' alike. */
export interface NotificationFaults {
  /** Attempts to swallow; WeChat (not having heard back) retries each on schedule. */
  drop: number;
  /** Whole notifications to lose: no attempt reaches the merchant and none is retried. */
  lose: number;
  /** Real milliseconds to wait before every attempt (not scaled). */
  delayMs: number;
  /** Send the next notification's first attempt as several copies. */
  duplicate: { copies: number; concurrent: boolean } | null;
}

export const noNotificationFaults = (): NotificationFaults => ({
  drop: 0,
  lose: 0,
  delayMs: 0,
  duplicate: null,
});

/**
 * - `notEnough`: the next N refund requests (API or portal) fail 403 NOT_ENOUGH, as when the merchant's
 *   balance cannot cover them; nothing is recorded
 * - `hold`: refunds accepted while set stay PROCESSING until given an outcome or released
 */
export interface RefundFaults {
  notEnough: number;
  hold: boolean;
}

export const noRefundFaults = (): RefundFaults => ({ notEnough: 0, hold: false });

/** Armed faults of one family (API, OAuth), each for an endpoint or 'any', consumed one call at a time. */
export class FaultQueue<F extends { endpoint: string; remaining: number }> {
  private faults: F[] = [];

  add(fault: F): void {
    this.faults.push(fault);
  }

  /** The first armed fault for this endpoint, consuming one of its calls. */
  take(endpoint: F['endpoint']): F | undefined {
    const fault = this.faults.find((f) => f.endpoint === endpoint || f.endpoint === 'any');
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return { ...fault };
  }

  list(): F[] {
    return this.faults.map((f) => ({ ...f }));
  }

  reset(): void {
    this.faults = [];
  }
}

/** Calls per endpoint of one family; every request counts, rejected ones too. */
export class CallCounter<E extends string> {
  private counts: Record<E, number>;

  constructor(private readonly endpoints: readonly E[]) {
    this.counts = this.zero();
  }

  private zero(): Record<E, number> {
    return Object.fromEntries(this.endpoints.map((e) => [e, 0])) as Record<E, number>;
  }

  increment(endpoint: E): void {
    this.counts[endpoint]++;
  }

  snapshot(): Record<E, number> {
    return { ...this.counts };
  }

  reset(): void {
    this.counts = this.zero();
  }
}
