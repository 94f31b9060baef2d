import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  hasCertAuthority,
  hostKeyAlgorithms,
  hostKeyName,
  hostsFieldMatches,
  keyTypeOfBlob,
  knownKeyTypes,
  parseKnownHosts,
} from '../../../src/remote/known-hosts.js';

const KEY_A = 'AAAAC3NzaC1lZDI1NTE5AAAAIKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const KEY_B = 'AAAAC3NzaC1lZDI1NTE5AAAAIKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

/** What `ssh-keygen -H` writes for a name. */
function hashed(name: string, salt = Buffer.alloc(20, 7)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  it('names non-default ports as ssh does', () => {
    expect(hostKeyName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(hostKeyName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });

  it('matches plain, listed, wildcard, negated and hashed host fields', () => {
    expect(hostsFieldMatches('broker1,10.0.0.11', '10.0.0.11')).toBe(true);
    expect(hostsFieldMatches('*.example.com', 'broker1.example.com')).toBe(true);
    expect(hostsFieldMatches('*.example.com,!bad.example.com', 'bad.example.com')).toBe(false);
    expect(hostsFieldMatches('broker?', 'broker12')).toBe(false);
    expect(hostsFieldMatches(hashed('[127.0.1.2]:22'), '[127.0.1.2]:22')).toBe(true);
    expect(hostsFieldMatches(hashed('127.0.1.2'), '127.0.1.3')).toBe(false);
  });

  it('judges a key known, unknown, changed or revoked', () => {
    const entries = parseKnownHosts(
      [
        '# comment',
        `127.0.1.1 ssh-ed25519 ${KEY_A}`,
        `${hashed('127.0.1.2')} ssh-ed25519 ${KEY_A}`,
        'garbage-line',
        `@revoked * ssh-ed25519 ${KEY_B}`,
      ].join('\n'),
    );
    expect(checkHostKey(entries, '127.0.1.1', 'ssh-ed25519', KEY_A)).toEqual({ kind: 'known' });
    expect(checkHostKey(entries, '127.0.1.2', 'ssh-ed25519', KEY_A)).toEqual({ kind: 'known' });
    expect(checkHostKey(entries, '127.0.1.3', 'ssh-ed25519', KEY_A)).toEqual({ kind: 'unknown' });
    expect(checkHostKey(entries, '127.0.1.1', 'ssh-ed25519', `${KEY_A}x`)).toEqual({
      kind: 'changed',
      line: 2,
    });
    expect(checkHostKey(entries, '127.0.1.1', 'ssh-ed25519', KEY_B)).toEqual({ kind: 'revoked', line: 5 });
    // An RSA key for a host known only by its ed25519 key is unknown, not changed (ssh asks then too).
    expect(checkHostKey(entries, '127.0.1.1', 'ssh-rsa', KEY_B.replace('B', 'C'))).toEqual({
      kind: 'unknown',
    });
    expect(knownKeyTypes(entries, '127.0.1.1')).toEqual(['ssh-ed25519']);
  });

  it('reads the key type out of a public key blob', () => {
    expect(keyTypeOfBlob(Buffer.from(KEY_A, 'base64'))).toBe('ssh-ed25519');
  });
});

describe('host key algorithms and certificate authorities', () => {
  it('offers rsa-sha2-512/256 for an RSA key, never the SHA-1 ssh-rsa signature (OpenSSH 8.8+ refuses it)', () => {
    expect(hostKeyAlgorithms(['ssh-rsa'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256']);
    expect(hostKeyAlgorithms(['ssh-ed25519', 'ssh-rsa', 'ssh-ed25519'])).toEqual([
      'ssh-ed25519',
      'rsa-sha2-512',
      'rsa-sha2-256',
    ]);
  });

  it('finds @cert-authority lines for a host, and never takes a CA key for the host key itself', () => {
    const entries = parseKnownHosts(`@cert-authority *.example.com,10.0.0.* ssh-ed25519 ${KEY_A}\n`);
    expect(hasCertAuthority(entries, '10.0.0.7')).toBe(true);
    expect(hasCertAuthority(entries, '192.0.2.1')).toBe(false);
    expect(checkHostKey(entries, '10.0.0.7', 'ssh-ed25519', KEY_A)).toEqual({ kind: 'unknown' });
  });
});
