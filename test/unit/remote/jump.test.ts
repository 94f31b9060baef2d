import { describe, expect, it } from 'vitest';
import { formatHop, JumpSpecError, parseProxyJump } from '../../../src/remote/jump.js';

describe('ProxyJump', () => {
  it('reads OpenSSH syntax: [user@]host[:port], ssh:// URIs, [IPv6], chains, none', () => {
    expect(parseProxyJump('bastion1,deployer@10.0.0.5:2222')).toEqual([
      { host: 'bastion1' },
      { host: '10.0.0.5', user: 'deployer', port: 2222 },
    ]);
    expect(parseProxyJump('ssh://ops@jump.example.com:22')).toEqual([
      { host: 'jump.example.com', user: 'ops', port: 22 },
    ]);
    expect(parseProxyJump('[2001:db8::1]:2200')).toEqual([{ host: '2001:db8::1', port: 2200 }]);
    expect(parseProxyJump('none')).toEqual([]);
    expect(formatHop({ host: '2001:db8::1', user: 'ops', port: 2200 })).toBe('ops@[2001:db8::1]:2200');
  });

  it.each([
    ['-oProxyCommand=touch /tmp/x', /is not a host name/],
    ['bastion;id', /is not a host name/],
    ['$(id)@bastion', /is not a user name/],
    ['bastion:0', /not 1\.\.65535/],
    ['bastion:70000', /not 1\.\.65535/],
    ['a,,b', /is not \[user@\]host\[:port\]/],
    ['', /empty ProxyJump/],
    ['bastion%h', /is not a host name/],
  ])('refuses %j', (value, message) => {
    expect(() => parseProxyJump(value)).toThrow(JumpSpecError);
    expect(() => parseProxyJump(value)).toThrow(message);
  });
});
