import 'server-only';
import { NextResponse } from 'next/server';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../db';
import { createLogger } from '../log';
import { AppError } from './app-error';

const log = createLogger('api');

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
    if (error.status >= 500)
      log.error({ code: error.code, reason: error.message, err: error.cause }, 'request failed');
    const headers =
      error.retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(error.retryAfterSeconds) };
    return NextResponse.json(body, { status: error.status, headers });
  }
  if (isDatabaseUnavailable(error)) {
    // Nothing was done (every write is one transaction): the caller may simply try again.
    log.error({ err: error }, 'database unavailable');
    return NextResponse.json(
      { error: { code: 'service_unavailable', message: '服务暂时不可用，请稍后再试' } },
      { status: 503, headers: { 'Retry-After': '5' } },
    );
  }
  log.error({ err: error }, 'unhandled error');
  return NextResponse.json(
    { error: { code: 'internal_error', message: 'Internal server error' } },
    { status: 500 },
  );
}
