// Runs the orders domain against the real WeChat Pay sandbox over HTTP: a sandbox with this run's
// keys, and a small HTTP server standing in for our notify route (same handler the route calls).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '@recharge/wechatpay-sandbox/server';
import { resetEnvForTests } from '@/lib/env';
import { handlePaymentNotification } from '@/lib/orders/handle-payment-notification';
import { handleRefundNotification } from '@/lib/refunds/handle-refund-notification';
import { resetWechatPayForTests } from '@/lib/wechat-pay';
import { type SandboxControl, sandboxControl } from './sandbox-control';

export interface OrdersHarness {
  sandbox: RunningSandbox;
  control: SandboxControl;
  close(): Promise<void>;
}

export async function startOrdersHarness(
  options: Pick<SandboxOptions, 'verificationMode'> = {},
): Promise<OrdersHarness> {
  const env = process.env;
  const sandbox = await startSandbox({
    ...options,
    port: 0,
    mchid: required('WECHATPAY_MCHID'),
    appid: required('WECHATPAY_APPID'),
    merchantSerialNo: required('WECHATPAY_MERCHANT_SERIAL_NO'),
    merchantPublicKeyPem: required('TEST_MERCHANT_PUBLIC_KEY'),
    wechatpayPrivateKeyPem: required('TEST_WECHATPAY_PRIVATE_KEY'),
    wechatpayPublicKeyId: required('WECHATPAY_PUBLIC_KEY_ID'),
    apiV3Key: required('WECHATPAY_APIV3_KEY'),
    // WeChat's first retry comes after 15 s; here after 15 ms.
    timeScale: 1000,
  });
  const notifyServer = await startNotifyServer();
  env.WECHATPAY_BASE_URL = sandbox.url;
  env.WECHATPAY_NOTIFY_URL = `${notifyServer.url}/api/wechat-pay/notify`;
  env.WECHATPAY_REFUND_NOTIFY_URL = `${notifyServer.url}/api/wechat-pay/refund-notify`;
  resetEnvForTests();
  resetWechatPayForTests();

  return {
    sandbox,
    control: sandboxControl(sandbox.url),
    async close() {
      await sandbox.close();
      await new Promise<void>((resolve) => notifyServer.server.close(() => resolve()));
    },
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} missing: integration tests get it from tests/support/global-setup.ts`);
  return value;
}

async function startNotifyServer(): Promise<{ server: Server; url: string }> {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [key, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(key, value);
    }
    const body = Buffer.concat(chunks);
    // The two notification routes of the app: payments, and refunds (WECHATPAY_REFUND_NOTIFY_URL).
    const answer = request.url?.startsWith('/api/wechat-pay/refund-notify')
      ? await handleRefundNotification(headers, body)
      : await handlePaymentNotification(headers, body);
    if (answer.status === 204) {
      response.writeHead(204).end();
    } else {
      response
        .writeHead(answer.status, { 'content-type': 'application/json' })
        .end(JSON.stringify(answer.body));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Polls until `check` is truthy; for effects that happen on another connection (notifications). */
export async function waitFor<T>(
  check: () => Promise<T>,
  { timeoutMs = 10_000, intervalMs = 25 } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Runs `run` with some environment variables changed (env and WeChat Pay client rebuilt around it). */
export async function withEnv<T>(vars: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetEnvForTests();
    resetWechatPayForTests();
  };
  apply(vars);
  try {
    return await run();
  } finally {
    apply(saved);
  }
}
