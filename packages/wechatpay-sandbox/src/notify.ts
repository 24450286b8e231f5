import { noNotificationFaults } from './faults';
import { postJson } from './http-client';
import type { SandboxLogger } from './logger';
import { buildNotification, buildSuccessNotification, type NotificationEnvelope } from './notification';
import { toRefundNotificationResource } from './refund';
import type { FinalRefundStatus, Refund } from './refund-store';
import type { SignatureKind, WechatpaySigner } from './signing';
import type { Order } from './store';
import { toTransaction } from './transaction';

// Delivers TRANSACTION.SUCCESS and REFUND.* notifications with WeChat's retry schedule (the same for both),
// and the faults tests inject into that delivery. Success is HTTP 200 or 204 whatever the body; anything
// else, a network error or no answer within 5 s is a failure and schedules the next retry.

/** Seconds between attempts after the first: about 24 h in all. Divided by timeScale. */
export const RETRY_DELAYS_SECONDS = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
];
const ANSWER_DEADLINE_MS = 5000;
const MAX_LOG_ENTRIES = 2000;

export interface DeliveryLogEntry {
  seq: number;
  kind: 'notification' | 'probe';
  eventId: string;
  outTradeNo: string;
  /** Refund notifications only. */
  outRefundNo?: string;
  notifyUrl: string;
  /** 1 is the first delivery, 2… the retries. */
  attempt: number;
  /** 1…K when the attempt was duplicated. */
  copy: number;
  at: string;
  outcome: 'acknowledged' | 'rejected' | 'error' | 'dropped' | 'lost';
  status?: number;
  responseBody?: string;
  error?: string;
  /** Wechatpay-Serial of the attempt: which key signed it (a certificate serial or PUB_KEY_ID_…). */
  serial?: string;
}

interface Delivery {
  envelope: NotificationEnvelope;
  body: string;
  notifyUrl: string;
  outTradeNo: string;
  outRefundNo?: string;
  /** reset() bumps the generation; deliveries from before it stop instead of retrying into a new test. */
  generation: number;
}

export class Notifier {
  faults = noNotificationFaults();
  private readonly entries: DeliveryLogEntry[] = [];
  private seq = 0;
  private generation = 0;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly delayTimers = new Set<NodeJS.Timeout>();
  private readonly aborter = new AbortController();

  constructor(
    /** The key to sign the next attempt with (it changes as WeChat rotates certificates). */
    private readonly signer: () => WechatpaySigner,
    private readonly apiV3Key: string,
    private readonly timeScale: number,
    private readonly logger: SandboxLogger,
  ) {}

  /** Starts delivery of a fresh TRANSACTION.SUCCESS event for a paid order; does not wait for it. */
  notifyPaid(order: Order): string {
    const envelope = buildSuccessNotification(toTransaction(order), this.apiV3Key);
    return this.start(this.delivery(envelope, order.notifyUrl, order.outTradeNo));
  }

  /** Starts delivery of a fresh REFUND.SUCCESS/ABNORMAL/CLOSED event for a refund in that final state. */
  notifyRefund(refund: Refund & { status: FinalRefundStatus }, notifyUrl: string, mchid: string): string {
    const resource = toRefundNotificationResource(refund, mchid);
    const envelope = buildNotification(`REFUND.${refund.status}`, resource, this.apiV3Key);
    return this.start(this.delivery(envelope, notifyUrl, refund.outTradeNo, refund.outRefundNo));
  }

  private delivery(
    envelope: NotificationEnvelope,
    notifyUrl: string,
    outTradeNo: string,
    outRefundNo?: string,
  ) {
    const body = JSON.stringify(envelope);
    return { envelope, body, notifyUrl, outTradeNo, outRefundNo, generation: this.generation };
  }

  private start(delivery: Delivery): string {
    const { envelope } = delivery;
    if (this.faults.lose > 0) {
      this.faults.lose--;
      this.record(delivery, 'notification', 1, 1, { outcome: 'lost' });
      return envelope.id;
    }
    void this.attempt(delivery, 1);
    return envelope.id;
  }

  /** WeChat's signature probe: a real-looking notification whose signature must fail. Sent once. */
  async probe(order: Order): Promise<DeliveryLogEntry> {
    const envelope = buildSuccessNotification(toTransaction(order), this.apiV3Key);
    return this.send(this.delivery(envelope, order.notifyUrl, order.outTradeNo), 'probe', 1, 1, 'probe');
  }

  entriesLog(): DeliveryLogEntry[] {
    return [...this.entries];
  }

  pendingRetries(): number {
    return this.retryTimers.size;
  }

  /** Forget the log and cancel scheduled retries (faults are reset separately). */
  reset(): void {
    this.generation++;
    for (const timer of [...this.retryTimers, ...this.delayTimers]) clearTimeout(timer);
    this.retryTimers.clear();
    this.delayTimers.clear();
    this.entries.length = 0;
  }

  close(): void {
    this.reset();
    this.aborter.abort();
  }

  private isStale(delivery: Delivery): boolean {
    return this.aborter.signal.aborted || delivery.generation !== this.generation;
  }

  private async attempt(delivery: Delivery, attempt: number): Promise<void> {
    if (this.isStale(delivery)) return;
    if (this.faults.delayMs > 0) await this.wait(this.faults.delayMs);
    if (this.isStale(delivery)) return;

    let acknowledged: boolean;
    if (this.faults.drop > 0) {
      this.faults.drop--;
      this.record(delivery, 'notification', attempt, 1, { outcome: 'dropped' });
      acknowledged = false;
    } else {
      const duplicate = this.faults.duplicate;
      this.faults.duplicate = null;
      const copies = duplicate?.copies ?? 1;
      const send = (copy: number) => this.send(delivery, 'notification', attempt, copy, 'valid');
      const results: DeliveryLogEntry[] = [];
      if (duplicate?.concurrent) {
        results.push(...(await Promise.all(Array.from({ length: copies }, (_, i) => send(i + 1)))));
      } else {
        for (let copy = 1; copy <= copies; copy++) results.push(await send(copy));
      }
      acknowledged = results.some((entry) => entry.outcome === 'acknowledged');
    }

    if (acknowledged || this.isStale(delivery)) return;
    const delaySeconds = RETRY_DELAYS_SECONDS[attempt - 1];
    if (delaySeconds === undefined) {
      const { outTradeNo, outRefundNo } = delivery;
      this.logger.warn({ outTradeNo, outRefundNo, attempts: attempt }, 'notification given up');
      return;
    }
    const timer = setTimeout(
      () => {
        this.retryTimers.delete(timer);
        void this.attempt(delivery, attempt + 1);
      },
      Math.round((delaySeconds * 1000) / this.timeScale),
    );
    this.retryTimers.add(timer);
  }

  private async send(
    delivery: Delivery,
    kind: DeliveryLogEntry['kind'],
    attempt: number,
    copy: number,
    signature: SignatureKind,
  ): Promise<DeliveryLogEntry> {
    // Fresh timestamp and nonce per attempt, as a merchant's replay window expects.
    const headers = { ...this.signer().headersFor(delivery.body, signature) };
    try {
      const answer = await postJson(
        delivery.notifyUrl,
        delivery.body,
        headers,
        ANSWER_DEADLINE_MS,
        this.aborter.signal,
      );
      const ok = answer.status === 200 || answer.status === 204;
      return this.record(delivery, kind, attempt, copy, {
        serial: headers['Wechatpay-Serial'],
        outcome: ok ? 'acknowledged' : 'rejected',
        status: answer.status,
        responseBody: answer.body,
      });
    } catch (error) {
      return this.record(delivery, kind, attempt, copy, {
        serial: headers['Wechatpay-Serial'],
        outcome: 'error',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private record(
    delivery: Delivery,
    kind: DeliveryLogEntry['kind'],
    attempt: number,
    copy: number,
    result: Pick<DeliveryLogEntry, 'outcome' | 'status' | 'responseBody' | 'error' | 'serial'>,
  ): DeliveryLogEntry {
    const entry: DeliveryLogEntry = {
      seq: ++this.seq,
      kind,
      eventId: delivery.envelope.id,
      outTradeNo: delivery.outTradeNo,
      ...(delivery.outRefundNo !== undefined ? { outRefundNo: delivery.outRefundNo } : {}),
      notifyUrl: delivery.notifyUrl,
      attempt,
      copy,
      at: new Date().toISOString(),
      ...result,
    };
    this.entries.push(entry);
    if (this.entries.length > MAX_LOG_ENTRIES) this.entries.shift();
    const { outcome, status, error } = result;
    this.logger.info(
      {
        kind,
        outTradeNo: entry.outTradeNo,
        outRefundNo: entry.outRefundNo,
        eventId: entry.eventId,
        attempt,
        copy,
        outcome,
        status,
        error,
      },
      'notification delivery',
    );
    return entry;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.delayTimers.delete(timer);
        resolve();
      }, ms);
      this.delayTimers.add(timer);
    });
  }
}
