import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { generateDevKeySet } from '../../src/keys';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../src/server';
import { Merchant, newOutTradeNo, type ReceivedNotification, startReceiver } from './merchant';

export interface LogEntry {
  kind: string;
  eventId: string;
  attempt: number;
  copy: number;
  outcome: string;
  status?: number;
  responseBody?: string;
}

/** One sandbox per test file (timeScale 1000), reset and with its notify receivers closed after each test. */
export function setupNotifySandbox(options: Partial<SandboxOptions> = {}) {
  const keys = generateDevKeySet();
  let sandbox: RunningSandbox | undefined;
  let merchant: Merchant | undefined;
  const receivers: { close: () => Promise<void> }[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ ...keys, port: 0, timeScale: 1000, ...options });
    merchant = new Merchant(sandbox.url, keys);
  });
  afterEach(async () => {
    await merchant?.control('POST', '/sandbox/reset');
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(() => sandbox?.close());

  const fixture = {
    keys,
    get merchant(): Merchant {
      if (!merchant) throw new Error('sandbox not started');
      return merchant;
    },
    async receiver(answer?: Parameters<typeof startReceiver>[0]) {
      const started = await startReceiver(answer);
      receivers.push(started);
      return started;
    },
    /** Creates an order notifying `notifyUrl` and pays it through the control API. */
    async paidOrder(notifyUrl: string): Promise<string> {
      const outTradeNo = newOutTradeNo();
      const created = await fixture.merchant.create(
        fixture.merchant.orderParams(outTradeNo, notifyUrl, { attach: 'acct-7' }),
      );
      expect(created.status).toBe(200);
      const paid = await fixture.merchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo });
      expect(paid.status).toBe(200);
      return outTradeNo;
    },
    async log(outTradeNo: string): Promise<LogEntry[]> {
      return (await fixture.merchant.control('GET', `/sandbox/notifications?out_trade_no=${outTradeNo}`))
        .json;
    },
  };
  return fixture;
}

export const envelopeOf = (n: ReceivedNotification) => JSON.parse(n.body);

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
