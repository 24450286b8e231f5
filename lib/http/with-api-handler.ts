import 'server-only';
import type { NextRequest } from 'next/server';
import { handleApiError } from './handle-api-error';

type RouteContext<P> = { params: Promise<P> };

/** Wraps a route handler so that every thrown error becomes one consistent JSON answer. */
export function withApiHandler<P = Record<string, never>>(
  handler: (request: NextRequest, context: RouteContext<P>) => Promise<Response>,
): (request: NextRequest, context: RouteContext<P>) => Promise<Response> {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      return handleApiError(error);
    }
  };
}
