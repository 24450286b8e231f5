// The id of a request, on its log lines (lib/log.ts) and in its answer's X-Request-Id: the client's
// own X-Request-Id when it is a plausible one (a proxy's, a support ticket's), else a new one.

/** Short and printable: nothing a log line could misread. */
const PLAUSIBLE = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdOf(headers: Headers): string {
  const offered = headers.get('x-request-id');
  return offered && PLAUSIBLE.test(offered) ? offered : crypto.randomUUID();
}
