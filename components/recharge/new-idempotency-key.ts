/**
 * A random key for one confirm attempt. `crypto.randomUUID` exists only in secure contexts, and a
 * phone opening the dev server by its LAN address over plain http is not one: fall back to
 * `getRandomValues`, which is available everywhere.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
