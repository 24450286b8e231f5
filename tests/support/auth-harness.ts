// Runs the app's sign-in (Better Auth with the WeChat provider, as configured in lib/auth) on a small
// HTTP server, against a WeChat sandbox that knows this app as a website application: the real
// protocol end to end, without Next.js. The handlers of app/api/auth/[...all]/route.ts themselves
// (Better Auth behind the route's body cap).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningSandbox, startSandbox } from '@recharge/wechatpay-sandbox/server';
import { toNodeHandler } from 'better-auth/node';
import { GET, POST } from '@/app/api/auth/[...all]/route';
import { resetAuthForTests } from '@/lib/auth/auth';
import { resetEnvForTests } from '@/lib/env';
import { PEER_ADDRESS_HEADER } from '@/lib/http/client-address';
import { type SandboxControl, sandboxControl } from './sandbox-control';

export interface AuthHarness {
  appUrl: string;
  sandbox: RunningSandbox;
  appid: string;
  control: SandboxControl;
  close(): Promise<void>;
}

export async function startAuthHarness(
  options: { timeoutMs?: number; signInsPerMinute?: number } = {},
): Promise<AuthHarness> {
  const env = process.env;
  const appid = required('WECHAT_LOGIN_APPID');
  const sandbox = await startSandbox({
    port: 0,
    mchid: required('WECHATPAY_MCHID'),
    appid: required('WECHATPAY_APPID'),
    merchantSerialNo: required('WECHATPAY_MERCHANT_SERIAL_NO'),
    merchantPublicKeyPem: required('TEST_MERCHANT_PUBLIC_KEY'),
    wechatpayPrivateKeyPem: required('TEST_WECHATPAY_PRIVATE_KEY'),
    wechatpayPublicKeyId: required('WECHATPAY_PUBLIC_KEY_ID'),
    apiV3Key: required('WECHATPAY_APIV3_KEY'),
    loginApps: [
      {
        appid,
        secret: required('WECHAT_LOGIN_SECRET'),
        name: '测试充值',
        callbackDomain: '127.0.0.1',
        unionid: true,
      },
    ],
  });
  // The route's POST is typed for Next's NextRequest; it reads nothing a plain Request lacks.
  const handle = toNodeHandler((request: Request) =>
    request.method === 'POST' ? POST(request as never, undefined) : GET(request),
  );
  const server = createServer((req, res) => {
    // What our patch to Next's server does for the route: the socket's peer, never a client's word.
    req.headers[PEER_ADDRESS_HEADER] = req.socket.remoteAddress ?? '';
    handle(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  env.APP_BASE_URL = appUrl;
  env.WECHAT_LOGIN_OPEN_BASE_URL = sandbox.url;
  env.WECHAT_LOGIN_API_BASE_URL = sandbox.url;
  if (options.timeoutMs) env.WECHAT_LOGIN_TIMEOUT_MS = String(options.timeoutMs);
  // These tests sign in dozens of times a minute from one address.
  env.SIGN_IN_RATE_LIMIT_PER_MINUTE = String(options.signInsPerMinute ?? 10_000);
  resetEnvForTests();
  resetAuthForTests();

  return {
    appUrl,
    sandbox,
    appid,
    control: sandboxControl(sandbox.url),
    async close() {
      await closeServer(server);
      await sandbox.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} missing: integration tests get it from tests/support/global-setup.ts`);
  return value;
}
