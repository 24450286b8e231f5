// Who the client is, for rate limits: the socket's peer (as our patch to Next's server records it),
// or the address the outermost of a counted number of trusted proxies saw. Whatever a client writes
// into X-Forwarded-For itself must never choose its address.
import { describe, expect, it } from 'vitest';
import { addressKey, clientIp, PEER_ADDRESS_HEADER } from '@/lib/http/client-address';

const headers = (values: Record<string, string | undefined>) =>
  new Headers(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));

describe('clientIp', () => {
  it.each([
    {
      name: 'the socket peer, with no proxy counted',
      h: { [PEER_ADDRESS_HEADER]: '203.0.113.7' },
      proxies: 0,
      ip: '203.0.113.7',
    },
    {
      name: 'the socket peer, ignoring an X-Forwarded-For a client wrote',
      h: { [PEER_ADDRESS_HEADER]: '203.0.113.7', 'x-forwarded-for': '1.1.1.1' },
      proxies: 0,
      ip: '203.0.113.7',
    },
    { name: 'no address at all', h: {}, proxies: 0, ip: null },
    {
      name: 'a peer header that is not an address',
      h: { [PEER_ADDRESS_HEADER]: 'localhost' },
      proxies: 0,
      ip: null,
    },
    {
      name: 'an IPv4-mapped IPv6 peer, as IPv4',
      h: { [PEER_ADDRESS_HEADER]: '::ffff:198.51.100.4' },
      proxies: 0,
      ip: '198.51.100.4',
    },
    {
      name: 'an IPv6 peer',
      h: { [PEER_ADDRESS_HEADER]: '2001:db8:1:2::9' },
      proxies: 0,
      ip: '2001:db8:1:2::9',
    },
    {
      name: 'behind one proxy: the entry it appended, not the ones the client wrote before it',
      h: { [PEER_ADDRESS_HEADER]: '10.0.0.2', 'x-forwarded-for': '6.6.6.6, 203.0.113.7' },
      proxies: 1,
      ip: '203.0.113.7',
    },
    {
      name: 'behind two proxies: the second entry from the right',
      h: { 'x-forwarded-for': '6.6.6.6,203.0.113.7, 10.0.0.3' },
      proxies: 2,
      ip: '203.0.113.7',
    },
    {
      name: 'a chain shorter than the proxies counted: its leftmost entry',
      h: { 'x-forwarded-for': '203.0.113.7' },
      proxies: 2,
      ip: '203.0.113.7',
    },
    {
      name: 'behind a proxy, without the header',
      h: { [PEER_ADDRESS_HEADER]: '10.0.0.2' },
      proxies: 1,
      ip: null,
    },
    { name: 'behind a proxy, an empty header', h: { 'x-forwarded-for': ' , ' }, proxies: 1, ip: null },
    {
      name: 'behind a proxy, an entry that is not an address',
      h: { 'x-forwarded-for': 'unknown' },
      proxies: 1,
      ip: null,
    },
    {
      name: 'lenient IPv4 spellings are not addresses',
      h: { 'x-forwarded-for': '127.1' },
      proxies: 1,
      ip: null,
    },
  ])('$name', ({ h, proxies, ip }) => {
    expect(clientIp(headers(h), proxies)).toBe(ip);
  });

  it('lets no client pick its address by changing what it writes before the proxy’s entry', () => {
    const seen = new Set(
      ['1.2.3.4', '5.6.7.8, 9.9.9.9', '', 'garbage'].map((spoof) =>
        clientIp(headers({ 'x-forwarded-for': `${spoof ? `${spoof}, ` : ''}203.0.113.7` }), 1),
      ),
    );
    expect([...seen]).toEqual(['203.0.113.7']);
  });
});

describe('addressKey', () => {
  it('keeps IPv4 addresses whole', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('collapses an IPv6 address to its /64, so stepping through a subscriber’s prefix gains nothing', () => {
    expect(addressKey('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::9')).toBe('2001:db8:1:3::/64');
  });
});
