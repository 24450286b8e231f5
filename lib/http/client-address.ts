import 'server-only';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { getEnv } from '../env';

// Who is asking, for rate limits: the TCP peer, or, behind proxies the deployment names by count
// (TRUSTED_PROXY_COUNT), the address the outermost trusted proxy saw. X-Forwarded-For is written by
// whoever sends it: each proxy appends the peer it saw, so only the last N entries were written by
// our own proxies and the one before them is the client. Entries further left are the client's own
// words and never trusted. With no proxy counted, the header is ignored altogether.

/**
 * Set by our patch to Next's server (patches/next+16.4.6.patch) on every request, from the socket,
 * overwriting whatever a client sent under that name.
 */
export const PEER_ADDRESS_HEADER = 'x-recharge-peer-address';

/**
 * The address this app decided on, handed to Better Auth (its `ipAddressHeaders`) by the auth route,
 * which overwrites any client value first.
 */
export const CLIENT_ADDRESS_HEADER = 'x-recharge-client-address';

/**
 * The client's IP address (IPv4-mapped IPv6 written as IPv4), or null when it can't be told: no
 * peer address, or an entry that isn't an address.
 */
export function clientIp(headers: Headers, trustedProxyCount: number): string | null {
  const candidate =
    trustedProxyCount === 0
      ? headers.get(PEER_ADDRESS_HEADER)
      : forwardedClient(headers.get('x-forwarded-for'), trustedProxyCount);
  // node:net is strict (ipaddr.js alone would also take forms like `127.1` or `0x7f000001`).
  if (!candidate || isIP(candidate) === 0) return null;
  return ipaddr.process(candidate).toString();
}

/** The request's client as a rate-limit key (addressKey), with the deployment's TRUSTED_PROXY_COUNT. */
export function requestClientAddress(request: Request): string | null {
  const ip = clientIp(request.headers, getEnv().TRUSTED_PROXY_COUNT);
  return ip === null ? null : addressKey(ip);
}

/**
 * An address as a rate-limit key: IPv4 as it is, IPv6 as its /64 (one subscriber usually holds a
 * whole /64 and could otherwise step through it). Callers share one bucket when there is none.
 */
export function addressKey(ip: string): string {
  const address = ipaddr.parse(ip);
  if (address.kind() === 'ipv4') return ip;
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${ip}/64`).toString()}/64`;
}

/**
 * The request as Better Auth should see it: CLIENT_ADDRESS_HEADER holding the address decided here
 * (rate limits on sign-in, the address kept with a session), never a value the client sent.
 */
export function withClientAddressHeader(request: Request): Request {
  const headers = new Headers(request.headers);
  headers.delete(CLIENT_ADDRESS_HEADER);
  const ip = clientIp(request.headers, getEnv().TRUSTED_PROXY_COUNT);
  if (ip !== null) headers.set(CLIENT_ADDRESS_HEADER, ip);
  return new Request(request, { headers });
}

/** The entry `count` places from the right; the leftmost when the chain is shorter (a proxy skipped). */
function forwardedClient(header: string | null, count: number): string | null {
  if (!header) return null;
  const entries = header
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return null;
  return entries[Math.max(0, entries.length - count)] ?? null;
}
