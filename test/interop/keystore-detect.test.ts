// A fleet set up by hand with HiveMQ's article on Java 17: keytool writes PKCS#12 into the file the
// article names hivemq-keystore.jks (no -deststoretype). deploy-tls reads stores by their bytes, so
// it opens that file as PKCS#12, and a real JKS (keytool -deststoretype JKS) as JKS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { articleCreateCa, articleIssueServer } from '../../scripts/article/procedure.js';
import { decodeKeystore, detectKeystoreFormat } from '../../src/keystore/index.js';
import { Secret } from '../../src/secret.js';

const password = new Secret(`article-${process.pid}`, 'test');
let work: string;
let articleJks: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'deploy-tls-detect-'));
  await articleCreateCa(join(work, 'ca'), password);
  articleJks = await articleIssueServer(
    join(work, 'ca'),
    'broker1',
    ['DNS:broker1.example.com'],
    password,
    join(work, 'keystores'),
  );
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function keytool(args: string[]): string {
  return execFileSync('keytool', args, {
    env: { ...process.env, STORE_PASS: password.reveal() },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe("the article's keystore on Java 17", () => {
  it('is PKCS#12 under a .jks name, as keytool itself reports', () => {
    expect(articleJks.endsWith('.jks')).toBe(true);
    expect(keytool(['-list', '-keystore', articleJks, '-storepass:env', 'STORE_PASS'])).toMatch(
      /Keystore type: PKCS12/,
    );
    expect(detectKeystoreFormat(readFileSync(articleJks))).toBe('pkcs12');
  });

  it("opens with the article's password, key entry and all", () => {
    const store = decodeKeystore(readFileSync(articleJks), password.reveal());
    expect(store.format).toBe('pkcs12');
    const entry = store.entries.find((e) => e.kind === 'private-key');
    expect(entry?.kind).toBe('private-key');
    if (entry?.kind !== 'private-key') return;
    expect(entry.chain).toHaveLength(3);
    // PKCS#12: Java decrypts the key with the store password.
    expect(entry.decryptKey(password.reveal()).length).toBeGreaterThan(0);
  });

  it('is read as JKS once keytool converts it with -deststoretype JKS', () => {
    const jks = join(work, 'converted.jks');
    keytool([
      ...['-importkeystore', '-srckeystore', articleJks, '-srcstorepass:env', 'STORE_PASS'],
      ...['-destkeystore', jks, '-deststoretype', 'JKS', '-deststorepass:env', 'STORE_PASS'],
      ...['-destkeypass:env', 'STORE_PASS', '-noprompt'],
    ]);
    expect(detectKeystoreFormat(readFileSync(jks))).toBe('jks');
    expect(decodeKeystore(readFileSync(jks), password.reveal()).format).toBe('jks');
  });
});
