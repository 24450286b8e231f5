// Local Upstash REST endpoint for development: `npm run redis:local`.
// Env: UPSTASH_LOCAL_PORT, UPSTASH_REDIS_REST_TOKEN (same defaults as the app, from
// lib/local-defaults.ts), REDIS_URL (optional; otherwise a redis-server child or in-memory).
import { createServiceLogger } from '@recharge/log';
import { LOCAL_DEFAULTS } from '../../lib/local-defaults';
import { startUpstashBridge } from './bridge';

const logger = createServiceLogger('upstash-local');

function readPort(): number {
  const raw = process.env.UPSTASH_LOCAL_PORT;
  if (!raw) return LOCAL_DEFAULTS.upstashPort;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`UPSTASH_LOCAL_PORT must be a port number (0-65535), got '${raw}'`);
  }
  return port;
}

async function runCli(): Promise<void> {
  const bridge = await startUpstashBridge({
    port: readPort(),
    token: process.env.UPSTASH_REDIS_REST_TOKEN || LOCAL_DEFAULTS.upstashToken,
    log: (message) => logger.info(message),
  });
  logger.info(
    { url: bridge.url, target: bridge.target, backend: bridge.backend },
    `upstash-local: ${bridge.url} -> ${bridge.target} (${bridge.backend})`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // A second signal exits at once; the exit hook still kills a spawned redis-server.
    process.once(signal, () => {
      logger.info({ signal }, 'upstash-local: shutting down');
      process.once(signal, () => process.exit(1));
      bridge.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ error }, 'upstash-local: error while shutting down');
          process.exit(1);
        },
      );
    });
  }
}

runCli().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const hint = /EADDRINUSE/.test(message)
    ? ' (is another upstash-local running? set UPSTASH_LOCAL_PORT)'
    : '';
  logger.fatal({ error }, `upstash-local: ${message}${hint}`);
  process.exit(1);
});
