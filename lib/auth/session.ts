import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { AppError } from '../http/app-error';
import { getAuth } from './auth';
import { signInPath } from './return-to';

// Who is signed in. Answered from the signed session snapshot cookie while it is fresh (no database
// read: the status route stays Redis-only), else from the database.

export interface SignedInUser {
  /** Also the id of the user's wallet (accounts.id = accounts.user_id). */
  id: string;
  name: string;
  image: string | null;
}

export async function readSignedInUser(): Promise<SignedInUser | null> {
  // Headers first: reading them makes the page dynamic, so `next build` never runs this without a request.
  const requestHeaders = await headers();
  const session = await getAuth().api.getSession({ headers: requestHeaders });
  if (!session) return null;
  const { id, name, image } = session.user;
  return { id, name, image: image ?? null };
}

/** For pages: the user, or a redirect to the sign-in page that comes back to `returnTo` afterwards. */
export async function requireSignedInUser(returnTo: string): Promise<SignedInUser> {
  const user = await readSignedInUser();
  if (!user) redirect(signInPath(returnTo));
  return user;
}

/** For API routes: the user, or a 401 with a JSON error. */
export async function requireApiUser(): Promise<SignedInUser> {
  const user = await readSignedInUser();
  if (!user) throw new AppError('unauthorized', '请先登录');
  return user;
}
