// The CLI's behaviour on bad input: a clear message, the right exit code, nothing written.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, requireBuiltCli, runCli, treeHashes } from '../helpers/cli.js';

const CA_PASSWORD = 'ca-secret-Aa1';
const STORE_PASSWORD = 'store-secret-Bb2';
const env = { DEPLOY_TLS_CA_PASSWORD: CA_PASSWORD, HIVEMQ_KEYSTORE_PASSWORD: STORE_PASSWORD };
let work: string;
let caDir: string;

beforeAll(() => {
  requireBuiltCli();
  work = mkdtempSync(join(tmpdir(), 'deploy-tls-cli-'));
  caDir = join(work, 'pki');
  const init = runCli(['ca', 'init', '--ca-dir', caDir, '--subject', '/C=DE/O=Example/OU=Ops'], env);
  expect(init.stderr).toBe('');
  expect(init.code).toBe(0);
});

function issueNode(extra: string[], envOverride: Record<string, string> = env) {
  const out = join(work, `out-${Math.random().toString(36).slice(2)}`);
  const result = runCli(
    ['issue', 'node', '--ca-dir', caDir, '--name', 'broker1', '--out', out, ...extra],
    envOverride,
  );
  return { ...result, out };
}

describe('deploy-tls CLI', () => {
  it('issues a node bundle and never prints a password', () => {
    const result = issueNode(['--san', 'DNS:broker1.example.com,IP:127.0.1.1']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('DNS:broker1.example.com, IP:127.0.1.1');
    for (const file of [
      'hivemq-keystore.jks',
      'hivemq-truststore.jks',
      'broker1.cert.pem',
      'ca-chain.cert.pem',
    ]) {
      expect(existsSync(join(result.out, file))).toBe(true);
    }
    expect(`${result.stdout}${result.stderr}`).not.toContain(CA_PASSWORD);
    expect(`${result.stdout}${result.stderr}`).not.toContain(STORE_PASSWORD);
  });

  it('a wrong CA password names the key file, exits 2 and writes nothing', () => {
    const before = treeHashes(caDir);
    const result = issueNode(['--san', 'DNS:broker1.example.com'], {
      ...env,
      DEPLOY_TLS_CA_PASSWORD: 'wrong',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `cannot decrypt ${join(caDir, 'intermediate/private/intermediate.key.pem')}`,
    );
    expect(result.stderr).toContain('env DEPLOY_TLS_CA_PASSWORD');
    expect(treeHashes(caDir)).toEqual(before);
    expect(existsSync(result.out)).toBe(false);
  });

  it('a missing CA points to ca init', () => {
    const missing = join(work, 'no-such-ca');
    const result = runCli(
      ['issue', 'node', '--ca-dir', missing, '--name', 'b', '--san', 'DNS:b.example.com'],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`no CA in ${missing}`);
    expect(result.stderr).toContain(`deploy-tls ca init --ca-dir ${missing}`);
  });

  it.each([
    ['DNS:broker 2', '--san[0]: "broker 2" is not a DNS name'],
    ['DNS:', '--san[0]: has an empty DNS name'],
    ['DNS:ok.example.com,IP:300.1.1.1', '--san[1]: "300.1.1.1" is not an IP address'],
  ])('an invalid SAN %j is named, exit 2, CA untouched', (san, message) => {
    const before = treeHashes(caDir);
    const result = issueNode(['--san', san]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(treeHashes(caDir)).toEqual(before);
  });

  it('a held CA lock says which process holds it', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const lock = {
        pid: holder.pid,
        host: hostname(),
        command: 'deploy-tls issue node',
        since: new Date().toISOString(),
      };
      writeFileSync(join(caDir, 'deploy-tls.lock'), JSON.stringify(lock));
      const result = issueNode(['--san', 'DNS:broker1.example.com']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `the CA is locked by process ${holder.pid} on ${hostname()} (deploy-tls issue node`,
      );
    } finally {
      holder.kill();
    }
  });

  it('a lock left by a dead process is taken over', () => {
    const lock = {
      pid: 2 ** 22 + 1,
      host: hostname(),
      command: 'crashed run',
      since: '2026-01-01T00:00:00Z',
    };
    writeFileSync(join(caDir, 'deploy-tls.lock'), JSON.stringify(lock));
    const result = issueNode(['--san', 'DNS:broker1.example.com']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(join(caDir, 'deploy-tls.lock'))).toBe(false);
  });

  it('without a password and without a terminal it says where to put one', () => {
    const result = issueNode(['--san', 'DNS:b.example.com'], { HIVEMQ_KEYSTORE_PASSWORD: STORE_PASSWORD });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no CA password given');
    expect(result.stderr).toContain('set DEPLOY_TLS_CA_PASSWORD, or pass --ca-password-file FILE');
  });

  it('reads the CA password from a file, ignoring its trailing newline', () => {
    const file = join(work, 'ca.pass');
    writeFileSync(file, `${CA_PASSWORD}\n`, { mode: 0o600 });
    const result = issueNode(['--san', 'DNS:b.example.com', '--ca-password-file', file], {
      HIVEMQ_KEYSTORE_PASSWORD: STORE_PASSWORD,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('warns when a password file is readable by others, and still uses it', () => {
    const file = join(work, 'ca-open.pass');
    writeFileSync(file, `${CA_PASSWORD}\n`);
    chmodSync(file, 0o644);
    const result = issueNode(['--san', 'DNS:b.example.com', '--ca-password-file', file], {
      HIVEMQ_KEYSTORE_PASSWORD: STORE_PASSWORD,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      `! the password file ${file} is mode 0644: its group may read, others may read it`,
    );
    expect(result.stderr).toContain(`→ chmod 600 ${file}`);
  });

  it('refuses a PKCS#12 keystore whose key password differs from the store password', () => {
    const result = issueNode(['--san', 'DNS:b.example.com', '--format', 'pkcs12'], {
      ...env,
      HIVEMQ_KEY_PASSWORD: 'other',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('private-key password must equal the keystore password');
  });

  it('a bundle folder it cannot write is refused before a certificate is issued', () => {
    const blocker = join(work, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const before = treeHashes(caDir);
    const result = runCli(
      ['issue', 'client', '--ca-dir', caDir, '--name', 'app1', '--out', join(blocker, 'bundle')],
      env,
    );
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`cannot write the bundle to ${join(blocker, 'bundle')}`);
    expect(treeHashes(caDir)).toEqual(before);
  });

  it('refuses --days beyond the longest leaf the CA issues, before opening the CA', () => {
    const before = treeHashes(caDir);
    const result = issueNode(['--san', 'DNS:b.example.com', '--days', '3651']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('at most 3650 days');
    expect(treeHashes(caDir)).toEqual(before);
  });

  it('refuses to overwrite an existing CA', () => {
    const before = treeHashes(caDir);
    const result = runCli(['ca', 'init', '--ca-dir', caDir], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('refusing to overwrite a CA');
    expect(treeHashes(caDir)).toEqual(before);
  });

  it('shows the hierarchy with serials, key types, fingerprints and days left', () => {
    const text = runCli(['ca', 'show', '--ca-dir', caDir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Root CA\n {2}subject {3}C=DE, O=Example, OU=Ops, CN=Example Root CA/);
    expect(text.stdout).toMatch(/key {7}RSA 4096/);
    const json = JSON.parse(runCli(['ca', 'show', '--ca-dir', caDir, '--json']).stdout);
    expect(json.root.daysLeft).toBe(3651);
    expect(json.intermediate.daysLeft).toBe(3649);
    expect(json.issued.length).toBeGreaterThan(0);
    expect(json.issued[0].sans).toContain('DNS:broker1.example.com');
    expect(json.rootKeyPresent).toBe(true);
  });

  it.each([[[]], [['ca']], [['ca', 'init']], [['ca', 'show']], [['issue', 'node']], [['issue', 'client']]])(
    '%j --help exits 0 with usage',
    (words) => {
      const result = runCli([...words, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: deploy-tls');
    },
  );

  it('an unknown option is a usage error', () => {
    const result = runCli(['ca', 'show', '--nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--nope'");
  });

  it('--print-systemd from a checkout prints the unit and warns that it points into the checkout', () => {
    const inventory = join(work, 'prod.yaml');
    const result = runCli(['rotate', '--inventory', inventory, '--schedule', '0 3 * * *', '--print-systemd']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`"${CLI}" "rotate" "--inventory" "${inventory}"`);
    expect(result.stderr).toBe(
      `! the unit runs deploy-tls from ${CLI}, outside an installed package: moving or deleting that folder stops rotation. Install it (npm install --global deploy-tls) and print the unit again\n`,
    );
  });

  it('refuses a hook it cannot split, a relative alert program and a textfile name node_exporter ignores, before connecting', () => {
    const inventory = join(work, 'missing.yaml');
    const hook = runCli(['rotate', '--inventory', inventory, '--on-failure', 'page "ops']);
    expect(hook.code).toBe(2);
    expect(hook.stderr).toContain('--on-failure: the quote " is never closed');
    const relative = runCli([
      ...['rotate', '--inventory', inventory, '--schedule', '0 3 * * *', '--print-systemd'],
      ...['--on-failure', 'logger failed'],
    ]);
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain('the alert command must start with an absolute path, not "logger"');
    const textfile = runCli(['status', '--inventory', inventory, '--prometheus', join(work, 'metrics.txt')]);
    expect(textfile.code).toBe(2);
    expect(textfile.stderr).toContain('reads only files named *.prom');
    expect(textfile.stderr).not.toContain('missing.yaml'); // refused before the inventory is read
  });
});
