import 'server-only';
import { parseCookies } from 'better-auth/cookies';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getEnv } from '../env';
import { AppError } from '../http/app-error';
import { AUTH_COOKIE_PREFIX, getAuth } from './auth';
import { signInPath } from './return-to';
import { verifySessionSnapshot } from './session-snapshot';

// Who is signed in. Pages and order creation ask the database (a session ended elsewhere ends here
// at once). The polling status route reads the signed session snapshot cookie instead, without a
// database read, and falls back to the database only when the snapshot is missing or stale.

export interface SignedInUser {
  /** Also the id of the user's wallet (accounts.id = accounts.user_id). */
  id: string;
  name: string;
  image: string | null;
}

function toSignedInUser(user: { id: string; name: string; image?: string | null }): SignedInUser {
  return { id: user.id, name: user.name, image: user.image ?? null };
}

/** From the database (and Better Auth's checks: expiry, revocation). */
export async function readSignedInUser(): Promise<SignedInUser | null> {
  // Headers first: reading them makes the page dynamic, so `next build` never runs this without a request.
  const requestHeaders = await headers();
  const session = await getAuth().api.getSession({
    headers: requestHeaders,
    query: { disableCookieCache: true },
  });
  return session ? toSignedInUser(session.user) : null;
}

/**
 * For the polling route: the session snapshot cookie Better Auth signed (HMAC with SESSION_SECRET,
 * expiring after 5 minutes), for the session whose token cookie the browser also holds, checked in a
 * few microseconds (session-snapshot.ts). Going through Better Auth's getSession instead costs the
 * route most of its budget (npm run bench). Missing or stale snapshot: the database, which also
 * renews the snapshot.
 */
async function readPollingUser(): Promise<SignedInUser | null> {
  const requestHeaders = await headers();
  const secure = getEnv().APP_BASE_URL.startsWith('https:');
  const prefix = `${secure ? '__Secure-' : ''}${AUTH_COOKIE_PREFIX}`;
  const cookies = parseCookies(requestHeaders.get('cookie') ?? '');
  const user = verifySessionSnapshot(
    cookies.get(`${prefix}.session_data`),
    tokenOf(cookies.get(`${prefix}.session_token`)),
    getEnv().SESSION_SECRET,
  );
  if (user) return user;
  const session = await getAuth().api.getSession({ headers: requestHeaders });
  return session ? toSignedInUser(session.user) : null;
}

/** The token part of the signed session token cookie (`token.signature`); the snapshot's HMAC is what's checked. */
function tokenOf(cookieValue: string | undefined): string | null {
  const dot = cookieValue?.lastIndexOf('.') ?? -1;
  return cookieValue && dot > 0 ? cookieValue.slice(0, dot) : null;
}

/** For pages: the user, or a redirect to the sign-in page that comes back to `returnTo` afterwards. */
export async function requireSignedInUser(returnTo: string): Promise<SignedInUser> {
  const user = await readSignedInUser();
  if (!user) redirect(signInPath(returnTo));
  return user;
}

/** For API routes: the user, or a 401 with a JSON error. `polling`: from the session snapshot. */
export async function requireApiUser(options: { polling?: boolean } = {}): Promise<SignedInUser> {
  const user = options.polling ? await readPollingUser() : await readSignedInUser();
  if (!user) throw new AppError('unauthorized', '请先登录');
  return user;
}
