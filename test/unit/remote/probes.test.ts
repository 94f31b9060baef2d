import { describe, expect, it } from 'vitest';
import { parseReadFiles, readFilesProbe } from '../../../src/remote/probes.js';

// Recorded from a sandbox node (bash on Debian) for a present and a missing file.
const RECORDED = [
  '==deploy-tls== 640 root hivemq /etc/ssl/hivemq/hivemq-keystore.jks',
  Buffer.from([0xfe, 0xed, 0xfe, 0xed]).toString('base64'),
  '==deploy-tls== missing /etc/ssl/hivemq/hivemq-truststore.jks',
  '==deploy-tls== 644 root root /opt/hivemq/conf/config.xml',
  Buffer.from('<hivemq/>\n').toString('base64'),
  '',
].join('\n');

describe('readFilesProbe', () => {
  it('parses contents, modes and owners, and reports missing files', () => {
    const paths = [
      '/etc/ssl/hivemq/hivemq-keystore.jks',
      '/etc/ssl/hivemq/hivemq-truststore.jks',
      '/opt/hivemq/conf/config.xml',
    ];
    const files = parseReadFiles(RECORDED, paths);
    expect(files.get(paths[0] as string)).toEqual({
      path: paths[0],
      exists: true,
      mode: 0o640,
      owner: 'root',
      group: 'hivemq',
      data: new Uint8Array([0xfe, 0xed, 0xfe, 0xed]),
    });
    expect(files.get(paths[1] as string)).toEqual({ path: paths[1], exists: false });
    expect(Buffer.from(files.get(paths[2] as string)?.data ?? []).toString()).toBe('<hivemq/>\n');
  });

  it('quotes paths in the command and refuses output it does not recognise', () => {
    expect(readFilesProbe(["/tmp/it's here"]).command).toContain(`'/tmp/it'\\''s here'`);
    expect(() => parseReadFiles('garbage\n', ['/x'])).toThrow('unexpected probe output for /x');
  });
});
