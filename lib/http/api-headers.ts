// The headers every API answer carries: never sniffed as something else, never framed, no referrer,
// never cached. Set by the handlers themselves (withApiHandler and the few routes outside it): the
// same rule in next.config.mjs `headers()` cost the polled status route about 400 µs of CPU a
// request more than the floor route (npm run bench: status/floor 0.55 with it, 0.63 without).
const API_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

export function withApiHeaders<R extends Response>(response: R): R {
  for (const [name, value] of Object.entries(API_HEADERS)) response.headers.set(name, value);
  return response;
}
