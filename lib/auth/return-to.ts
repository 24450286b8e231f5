// Where to go back to after signing in: only a path of this app, never another origin. Pure (no
// server-only imports): the sign-in page's client code uses it too.

const FALLBACK = '/';

/** `next` as given in a URL, reduced to a same-origin path (`/…`, not `//…` or `/\…`); else `/`. */
export function safeReturnPath(next: string | null | undefined): string {
  if (!next?.startsWith('/')) return FALLBACK;
  try {
    const url = new URL(next, 'http://app.invalid');
    if (url.origin !== 'http://app.invalid') return FALLBACK;
    const path = `${url.pathname}${url.search}${url.hash}`;
    // Judge what is returned, not what was given: normalising `/.//evil.example` gives
    // `//evil.example`, which a browser reads as another host.
    return path.startsWith('//') || path.includes('\\') ? FALLBACK : path;
  } catch {
    return FALLBACK;
  }
}

export function signInPath(returnTo: string): string {
  const next = safeReturnPath(returnTo);
  return next === FALLBACK ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
}

/** Where Better Auth sends the browser after WeChat: finish (merge an anonymous-era account), then `next`. */
export function finishSignInPath(next: string): string {
  return `/sign-in/finish?next=${encodeURIComponent(safeReturnPath(next))}`;
}
