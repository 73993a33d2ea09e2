import { BlockList } from 'node:net';

import { blockListOf, deniedRangeOf, embeddedIpv4, inCidrs, mappedIpv4, parseCidr, parseCidrList } from './ip-ranges';

describe('parseCidr and parseCidrList', () => {
  it('reads IPv4 and IPv6 ranges and bare addresses', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr(' fd00::/8 ')).toEqual({ address: 'fd00::', prefix: 8, family: 'ipv6' });
    expect(parseCidr('127.0.0.1')).toEqual({ address: '127.0.0.1', prefix: 32, family: 'ipv4' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    expect(parseCidrList('')).toEqual([]);
    expect(parseCidrList('127.0.0.1/32, 10.1.0.0/16')).toHaveLength(2);
  });

  it.each(['10.0.0.0/33', '::/129', 'example.com/8', '10.0.0/8', '10.0.0.0/', '10.0.0.0/8,', ',', '1.2.3.4/8/9', '300.0.0.0/8'])(
    'refuses %p',
    (text) => {
      expect(() => parseCidrList(text)).toThrow();
    },
  );
});

describe('deniedRangeOf', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private (carrier-grade NAT)'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved and broadcast'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'unique local (private)'],
    ['fc00::1', 'unique local (private)'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback, embedded in IPv6'],
    ['::ffff:7f00:1', 'loopback, embedded in IPv6'],
    ['::ffff:10.0.0.1', 'private, embedded in IPv6'],
    ['::ffff:169.254.169.254', 'link-local (cloud metadata), embedded in IPv6'],
    ['64:ff9b::7f00:1', 'loopback, embedded in IPv6'],
    ['2002:a00:1::', 'private, embedded in IPv6'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
  ])('denies %s (%s)', (address, why) => {
    expect(deniedRangeOf(address)).toBe(why);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.0',
    '100.128.0.1',
    '203.0.113.10',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('lets %s through', (address) => {
    expect(deniedRangeOf(address)).toBeUndefined();
  });
});

describe('embedded IPv4 addresses', () => {
  it('finds the IPv4 address of mapped, NAT64 and 6to4 addresses only', () => {
    expect(mappedIpv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(mappedIpv4('0:0:0:0:0:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(mappedIpv4('64:ff9b::7f00:1')).toBeUndefined();
    expect(embeddedIpv4('64:ff9b::7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('2002:c0a8:101::1')).toBe('192.168.1.1');
    expect(embeddedIpv4('2001:db8::1')).toBeUndefined();
    expect(embeddedIpv4('10.0.0.1')).toBeUndefined();
  });

  it('matches an IPv4-mapped address against IPv4 allow ranges, and nothing else', () => {
    const allowed: BlockList = blockListOf(parseCidrList('127.0.0.1/32,fd12::/16'));
    expect(inCidrs('127.0.0.1', allowed)).toBe(true);
    expect(inCidrs('::ffff:127.0.0.1', allowed)).toBe(true);
    expect(inCidrs('127.0.0.2', allowed)).toBe(false);
    expect(inCidrs('::ffff:127.0.0.2', allowed)).toBe(false);
    expect(inCidrs('fd12::5', allowed)).toBe(true);
    expect(inCidrs('[fd12::5]', allowed)).toBe(true);
    expect(inCidrs('fd13::5', allowed)).toBe(false);
    expect(inCidrs('not-an-ip', allowed)).toBe(false);
  });
});
