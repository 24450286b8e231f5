import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDevKeySet } from '../src/keys';
import { type RunningSandbox, type SandboxLogger, startSandbox } from '../src/server';
import { Merchant, newOutTradeNo, startReceiver, waitFor } from './support/merchant';

interface Line {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

// The sandbox logs structured lines (fields, then a message) through the logger it is given: the CLI
// gives it the shared pino logger (@recharge/log), where these become JSON fields.
const lines: Line[] = [];
const recorder: SandboxLogger = {
  info: (fields, message) => void lines.push({ level: 'info', fields, message }),
  warn: (fields, message) => void lines.push({ level: 'warn', fields, message }),
  error: (fields, message) => void lines.push({ level: 'error', fields, message }),
};

const keys = generateDevKeySet();
let sandbox: RunningSandbox;
let merchant: Merchant;

beforeAll(async () => {
  sandbox = await startSandbox({ ...keys, port: 0, timeScale: 1000, logger: recorder });
  merchant = new Merchant(sandbox.url, keys);
});
afterAll(() => sandbox.close());

describe('sandbox logs', () => {
  it('names the API call, the payment and each notification delivery with their fields', async () => {
    const receiver = await startReceiver();
    try {
      const outTradeNo = newOutTradeNo();
      expect((await merchant.create(merchant.orderParams(outTradeNo, receiver.url))).status).toBe(200);
      await merchant.create(merchant.orderParams(outTradeNo, receiver.url, { description: '' }));
      await merchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo });
      await waitFor(() => lines.some((line) => line.message === 'notification delivery'));

      expect(lines).toContainEqual({
        level: 'info',
        fields: expect.objectContaining({
          method: 'POST',
          target: '/v3/pay/transactions/native',
          status: 200,
        }),
        message: 'api call',
      });
      expect(lines).toContainEqual({
        level: 'info',
        fields: expect.objectContaining({ status: 400, code: 'PARAM_ERROR' }),
        message: 'api call',
      });
      expect(lines).toContainEqual({
        level: 'info',
        fields: { outTradeNo, total: expect.any(Number), transactionId: expect.stringMatching(/^\d{28}$/) },
        message: 'paid',
      });
      expect(lines).toContainEqual({
        level: 'info',
        fields: expect.objectContaining({
          kind: 'notification',
          outTradeNo,
          attempt: 1,
          outcome: 'acknowledged',
          status: 204,
        }),
        message: 'notification delivery',
      });
    } finally {
      await receiver.close();
    }
  });

  it('logs a bill download by its path: the token in its query is what opens the bill', async () => {
    const outTradeNo = newOutTradeNo();
    await merchant.create(merchant.orderParams(outTradeNo, 'http://127.0.0.1:9/notify'));
    await merchant.control('POST', '/sandbox/pay', { out_trade_no: outTradeNo, notify: false });
    const billDate = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const applied = await merchant.tradeBill({ bill_date: billDate });
    expect((await merchant.download(applied.json.download_url)).status).toBe(200);
    expect(lines).toContainEqual({
      level: 'info',
      fields: expect.objectContaining({ method: 'GET', target: '/v3/billdownload/file', status: 200 }),
      message: 'api call',
    });
    expect(JSON.stringify(lines)).not.toContain('token=');
  });
});
