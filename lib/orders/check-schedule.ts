// When the reconciler asks WeChat about a PENDING order (payment_orders.next_check_at): a minute
// after creation (a notification or the page's own poll usually settles it first), then backing off,
// 30 s doubling up to 5 min, never past the order's expiry plus a margin, so that an expired order
// is closed promptly. An order still PENDING RESOLVE_MARGIN_MS after its expiry (WeChat keeps failing
// us) leaves the sweep as a payment exception (lib/orders/reconcile-stale-orders.ts).

export const FIRST_CHECK_AFTER_MS = 60_000;
const FIRST_BACKOFF_MS = 30_000;
const MAX_BACKOFF_MS = 5 * 60_000;
/** After expiry, the check that closes the order comes within this margin. */
const EXPIRY_MARGIN_MS = 60_000;
/** How long past its expiry an order may stay PENDING before a person must look. */
export const RESOLVE_MARGIN_MS = 30 * 60_000;

/** The next check after `attempts` checks (1 = the first one just made), as seen at `now`. */
export function nextCheckAt(now: Date, attempts: number, expiresAt: Date): Date {
  const backoff = Math.min(FIRST_BACKOFF_MS * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
  const next = now.getTime() + backoff;
  const closeBy = expiresAt.getTime() + EXPIRY_MARGIN_MS;
  // Before expiry: not later than just after it (when it can be closed).
  if (now.getTime() < closeBy && next > closeBy) return new Date(closeBy);
  return new Date(next);
}
