import { throttleKey } from './login-throttle';

describe('throttleKey', () => {
  it('counts one machine id from one IPv4 address', () => {
    expect(throttleKey('agent-1', '192.0.2.7')).toBe('192.0.2.7/32 agent-1');
    expect(throttleKey('agent-1', '192.0.2.7')).not.toBe(throttleKey('agent-2', '192.0.2.7'));
    expect(throttleKey('agent-1', '192.0.2.7')).not.toBe(throttleKey('agent-1', '192.0.2.8'));
  });

  it('counts a whole IPv6 /64 as one address: a host picks any address in its /64', () => {
    expect(throttleKey('agent-1', '2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64 agent-1');
    expect(throttleKey('agent-1', '2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(throttleKey('agent-1', '2001:db8:1:2::9'));
    expect(throttleKey('agent-1', '2001:db8:1:3::1')).not.toBe(throttleKey('agent-1', '2001:db8:1:2::1'));
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(throttleKey('agent-1', '::ffff:192.0.2.1')).toBe(throttleKey('agent-1', '192.0.2.1'));
  });
});
