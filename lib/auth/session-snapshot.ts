import { createHmac, timingSafeEqual } from 'node:crypto';

// Better Auth's session snapshot cookie (`session_data`, "compact" strategy): base64url of
// `{ session: { session, user, updatedAt, version? }, expiresAt, signature }`, where signature is
// HMAC-SHA256 with the auth secret over JSON.stringify({ ...session, expiresAt }), base64url without
// padding. Better Auth verifies it through WebCrypto and zod schemas of the whole session and user;
// the polling route needs three fields, so it checks the signature with node:crypto and reads those.
// Anything unexpected (a format change in a Better Auth upgrade) is "no snapshot": the caller then
// asks Better Auth itself, which is slower but never wrong.

export interface SnapshotUser {
  id: string;
  name: string;
  image: string | null;
}

interface Snapshot {
  session: {
    session: { token?: unknown; expiresAt?: unknown };
    user: { id?: unknown; name?: unknown; image?: unknown };
  };
  expiresAt: number;
  signature: string;
}

function decode(cookieValue: string): Snapshot | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cookieValue, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { session, expiresAt, signature } = parsed as Record<string, unknown>;
    if (typeof session !== 'object' || session === null) return null;
    if (typeof expiresAt !== 'number' || typeof signature !== 'string') return null;
    const inner = session as Record<string, unknown>;
    if (typeof inner.session !== 'object' || inner.session === null) return null;
    if (typeof inner.user !== 'object' || inner.user === null) return null;
    return parsed as Snapshot;
  } catch {
    return null;
  }
}

/**
 * The user of a snapshot signed with `secret`, still within its lifetime and its session's, and of
 * the session whose token is `sessionToken`; else null.
 */
export function verifySessionSnapshot(
  cookieValue: string | undefined,
  sessionToken: string | null,
  secret: string,
  now = Date.now(),
): SnapshotUser | null {
  if (!cookieValue || !sessionToken) return null;
  const snapshot = decode(cookieValue);
  if (!snapshot || snapshot.expiresAt < now) return null;
  const expected = createHmac('sha256', secret)
    .update(JSON.stringify({ ...snapshot.session, expiresAt: snapshot.expiresAt }))
    .digest();
  const given = Buffer.from(snapshot.signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const { session, user } = snapshot.session;
  if (session.token !== sessionToken) return null;
  if (typeof session.expiresAt !== 'string' || !(Date.parse(session.expiresAt) > now)) return null;
  if (typeof user.id !== 'string' || typeof user.name !== 'string') return null;
  return { id: user.id, name: user.name, image: typeof user.image === 'string' ? user.image : null };
}
