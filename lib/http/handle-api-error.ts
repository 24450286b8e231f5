import 'server-only';
import { NextResponse } from 'next/server';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../db';
import { AppError } from './app-error';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Known errors keep their code and message; anything else is logged and answered as a bare 500. */
export function handleApiError(error: unknown): NextResponse<ErrorBody> {
  if (error instanceof ZodError) {
    const details = error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
    const message = details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join('; ');
    return NextResponse.json({ error: { code: 'unprocessable_entity', message, details } }, { status: 422 });
  }
  if (error instanceof AppError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    if (error.status >= 500) console.error(`[api] ${error.code}: ${error.message}`, error.cause ?? '');
    const headers =
      error.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(error.retryAfterSeconds) };
    return NextResponse.json(body, { status: error.status, headers });
  }
  if (isDatabaseUnavailable(error)) {
    // Nothing was done (every write is one transaction): the caller may simply try again.
    console.error('[api] database unavailable', error instanceof Error ? error.message : error);
    return NextResponse.json(
      { error: { code: 'service_unavailable', message: '服务暂时不可用，请稍后再试' } },
      { status: 503, headers: { 'Retry-After': '5' } },
    );
  }
  console.error('[api] unhandled error', error);
  return NextResponse.json(
    { error: { code: 'internal_error', message: 'Internal server error' } },
    { status: 500 },
  );
}
