import 'server-only';
import type { NextRequest } from 'next/server';
import { withRequestId } from '../log';
import { withApiHeaders } from './api-headers';
import { handleApiError } from './handle-api-error';
import { leaveBodyUnread } from './read-body';

/**
 * Wraps a route handler so that every thrown error becomes one consistent JSON answer, and every
 * answer carries the API's headers (api-headers.ts) and its request id (X-Request-Id, on every log
 * line the request causes: lib/log.ts); a body the handler left unread stays unread (read-body.ts).
 * The context
 * type is the handler's own: annotate it with Next's generated `RouteContext<'/api/…'>`.
 */
export function withApiHandler<Context = unknown>(
  handler: (request: NextRequest, context: Context) => Promise<Response>,
): (request: NextRequest, context: Context) => Promise<Response> {
  return (request, context) =>
    withRequestId(request, async () => {
      try {
        return withApiHeaders(await handler(request, context));
      } catch (error) {
        return withApiHeaders(handleApiError(error));
      } finally {
        leaveBodyUnread(request);
      }
    });
}
