import { parseCidr, parseIp, spanContains } from './ip';

describe('parseIp', () => {
  it('reads IPv4 and IPv6 addresses as one-address spans', () => {
    expect(parseIp('1.2.3.4')).toMatchObject({ family: 4, start: 0x01020304n, end: 0x01020304n, cidr: '1.2.3.4/32' });
    expect(parseIp('2001:db8::1')).toMatchObject({ family: 6, prefix: 128, cidr: '2001:db8::1/128' });
    expect(parseIp('2001:db8:a:b:c:d:e:ffff')?.start).toBe(0x20010db8000a000b000c000d000effffn);
    expect(parseIp('1.2.3.4.')).toBeUndefined();
    expect(parseIp('255.255.255.255')?.start).toBe(0xffffffffn);
  });

  it('treats an IPv4-mapped IPv6 address as IPv4', () => {
    expect(parseIp('::ffff:10.0.0.1')?.cidr).toBe('10.0.0.1/32');
  });

  it.each(['', '1.2.3', '127.1', '1.2.3.256', '01.2.3.4', 'abc', '1.2.3.4/24', '::g'])('rejects %j', (t) =>
    expect(parseIp(t)).toBeUndefined(),
  );
});

describe('parseCidr', () => {
  it('normalises to the network address', () => {
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ start: 0x0a000000n, end: 0x0affffffn, cidr: '10.0.0.0/8' });
    expect(parseCidr('2001:db8:1::/48')?.cidr).toBe('2001:db8:1::/48');
  });

  it('reads an IPv4-mapped IPv6 range as the IPv4 range', () => {
    expect(parseCidr('::ffff:10.0.0.0/104')?.cidr).toBe('10.0.0.0/8');
  });

  it('accepts a bare address as its host range', () => {
    expect(parseCidr('192.168.1.1')?.cidr).toBe('192.168.1.1/32');
  });

  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', '/8', '10.0.0/8', '10.0.0.0/-1'])('rejects %j', (t) =>
    expect(parseCidr(t)).toBeUndefined(),
  );

  it('tells whether one span is inside another', () => {
    expect(spanContains(parseCidr('10.0.0.0/8')!, parseIp('10.9.9.9')!)).toBe(true);
    expect(spanContains(parseCidr('10.0.0.0/8')!, parseIp('11.0.0.0')!)).toBe(false);
    expect(spanContains(parseCidr('::/0')!, parseIp('10.0.0.1')!)).toBe(false);
  });
});
