import { AsyncLocalStorage } from 'node:async_hooks';
import { createServiceLogger, type Logger } from '@recharge/log';
import { requestIdOf } from './http/request-id';

// The app's logger: the shared setup of @recharge/log (pino, JSON lines, secrets redacted, LOG_LEVEL and
// LOG_FORMAT; the sandbox and the scripts use the same) with `service: recharge`, the request id of the
// request that caused the line (requestContext) and the module that wrote it.

interface RequestContext {
  requestId: string;
}

const requestContext = new AsyncLocalStorage<RequestContext>();

function createRootLogger(): Logger {
  return createServiceLogger('recharge', { mixin: () => requestContext.getStore() ?? {} });
}

const globalForLog = globalThis as typeof globalThis & { __log?: Logger };

function rootLogger(): Logger {
  globalForLog.__log ??= createRootLogger();
  return globalForLog.__log;
}

export type { Logger };

/** A module's logger: every line carries `module`. */
export function createLogger(module: string): Logger {
  return rootLogger().child({ module });
}

/**
 * Runs `handle` with the request's id (the client's X-Request-Id when it is a plausible one, else a
 * new one) on every log line it causes, and returns the id in the answer's X-Request-Id.
 */
export async function withRequestId<R extends Response>(
  request: Request,
  handle: () => Promise<R>,
): Promise<R> {
  const requestId = requestIdOf(request.headers);
  const response = await requestContext.run({ requestId }, handle);
  response.headers.set('X-Request-Id', requestId);
  return response;
}
