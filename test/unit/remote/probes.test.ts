import { describe, expect, it } from 'vitest';
import { parseReadFiles, readFilesProbe, unreadableMessage } from '../../../src/remote/probes.js';

// Recorded from a sandbox node (bash on Debian) for a present and a missing file, and (the
// last line) as user nobody for a root-only file.
const RECORDED = [
  '==deploy-tls== present 640 root hivemq',
  Buffer.from([0xfe, 0xed, 0xfe, 0xed]).toString('base64'),
  '==deploy-tls== missing',
  '==deploy-tls== present 644 root root',
  Buffer.from('<hivemq/>\n').toString('base64'),
  '==deploy-tls== unreadable nobody Permission denied',
  '',
].join('\n');

describe('readFilesProbe', () => {
  it('parses contents, modes and owners, and reports missing files', () => {
    const paths = [
      '/etc/ssl/hivemq/hivemq-keystore.jks',
      '/etc/ssl/hivemq/hivemq-truststore.jks',
      '/opt/hivemq/conf/config.xml',
      '/opt/hivemq/conf/config.xml.bak',
    ];
    const files = parseReadFiles(RECORDED, paths);
    expect(files.get(paths[0] as string)).toEqual({
      path: paths[0],
      state: 'present',
      exists: true,
      mode: 0o640,
      owner: 'root',
      group: 'hivemq',
      data: new Uint8Array([0xfe, 0xed, 0xfe, 0xed]),
    });
    expect(files.get(paths[1] as string)).toEqual({ path: paths[1], state: 'missing', exists: false });
    expect(Buffer.from(files.get(paths[2] as string)?.data ?? []).toString()).toBe('<hivemq/>\n');
    expect(files.get(paths[3] as string)).toEqual({
      path: paths[3],
      state: 'unreadable',
      exists: false,
      unreadable: { user: 'nobody', reason: 'Permission denied' },
    });
  });

  it('words an unreadable file as the reason, the path and the user, with the next step', () => {
    const files = parseReadFiles('==deploy-tls== unreadable deploy Permission denied\n', [
      '/opt/hivemq/conf/config.xml',
    ]);
    const file = files.get('/opt/hivemq/conf/config.xml');
    expect(file && unreadableMessage(file, false)).toEqual({
      message: 'permission denied reading /opt/hivemq/conf/config.xml as user deploy',
      hint: 'set ssh.become: true in the inventory (deploy-tls then runs remote commands through sudo -n)',
    });
    expect(file && unreadableMessage(file, true)?.hint).toMatch(/check the permissions/);
    expect(unreadableMessage({ path: '/x', state: 'missing', exists: false }, false)).toBeUndefined();
  });

  it('passes paths as quoted words only, never inside the script text, and refuses output it does not recognise', () => {
    const path = `/tmp/it's "$(here)"`;
    const [first, ...body] = readFilesProbe([path]).command.split('\n');
    expect(first).toBe(`set -- '/tmp/it'\\''s "$(here)"'`);
    expect(body.join('\n')).not.toContain('here');
    expect(() => parseReadFiles('garbage\n', ['/x'])).toThrow('unexpected probe output for /x');
  });
});
