import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { passwordFileWarning, Secret } from '../../src/secret.js';

describe('Secret', () => {
  it('prints as *** everywhere but reveal()', () => {
    const secret = new Secret('hunter2', 'env X');
    expect(`${secret}`).toBe('***');
    expect(JSON.stringify({ secret })).toBe('{"secret":"***"}');
    expect(inspect(secret)).toBe('Secret(env X)');
    expect(secret.reveal()).toBe('hunter2');
  });
});

describe('passwordFileWarning', () => {
  it('says nothing for a file only its owner can read or write', () => {
    for (const mode of [0o100600, 0o100400, 0o100700, 0o100611])
      expect(passwordFileWarning('/p', mode)).toBeUndefined();
  });

  it.each([
    [0o100644, 'mode 0644: its group may read, others may read it'],
    [0o100640, 'mode 0640: its group may read it'],
    [0o100604, 'mode 0604: others may read it'],
    [0o100666, 'mode 0666: its group may read and write, others may read and write it'],
    [0o100620, 'mode 0620: its group may write it'],
  ])('warns for mode %o', (mode, text) => {
    expect(passwordFileWarning('/etc/deploy-tls/ca.pass', mode)).toEqual({
      message: `the password file /etc/deploy-tls/ca.pass is ${text}`,
      hint: 'chmod 600 /etc/deploy-tls/ca.pass (only its owner should read a password)',
    });
  });
});
