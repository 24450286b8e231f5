import { signInPath } from '../auth/return-to';
import type { ApiError } from '../schemas/order-status';
import { decodeApiErrorBody } from './answers';

// The browser's one way to reach our API: same origin, never from a cache, JSON both ways. A 401
// (the session ended: signed out in another tab, expired) takes the page to the sign-in page, which
// brings the person back here afterwards.

export interface ApiAnswer {
  status: number;
  /** The parsed JSON body; null when the answer had none or it wasn't JSON. */
  body: unknown;
}

/** Rejects only when no answer arrived (network down, request aborted): the caller can't know what happened. */
export async function callApi(
  path: string,
  request: { method?: 'GET' | 'POST'; json?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
  if (request.json !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method: request.method ?? 'GET',
    headers,
    body: request.json === undefined ? undefined : JSON.stringify(request.json),
    cache: 'no-store',
  });
  const body: unknown = await response.json().catch(() => null);
  if (response.status === 401)
    window.location.assign(signInPath(`${window.location.pathname}${window.location.search}`));
  return { status: response.status, body };
}

/** The `{ error: { code, message, details } }` body every API route answers errors with; null if it isn't one. */
export function decodeApiError(body: unknown): ApiError['error'] | null {
  return decodeApiErrorBody(body)?.error ?? null;
}
