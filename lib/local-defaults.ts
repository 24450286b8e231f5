// Addresses of the local stack (`npm run up`, tests). Shared by the app's env defaults and the
// scripts that start the embedded services, so that both sides agree without configuration.
// Nothing secret lives here.
export const LOCAL_DEFAULTS = {
  appBaseUrl: 'http://127.0.0.1:3000',
  notifyUrl: 'http://127.0.0.1:3000/api/wechat-pay/notify',
  databaseUrl: 'postgresql://postgres@127.0.0.1:54329/postgres',
  embeddedPostgresPort: 54329,
  upstashUrl: 'http://127.0.0.1:8079',
  upstashPort: 8079,
  upstashToken: 'local-dev-token',
  sandboxUrl: 'http://127.0.0.1:3100',
} as const;
