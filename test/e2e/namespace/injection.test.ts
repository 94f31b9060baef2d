// No inventory value is ever interpreted by a shell, proven on a real sshd that logs every command
// it is asked to run (scripts/sandbox/audit.ts: a forced command in authorized_keys). Every string
// field the loader accepts gets $(), backticks, ";", "|", "&", quotes, globs and markup; `plan`
// and the rollout then run exactly the scripts deploy-tls builds from those values, quoted, and
// nothing else, and the marker file the hidden commands would create never appears. Values the
// loader refuses (newlines, a host name as bind address, a ";" in a cipher suite) are the
// bad-input table's rows (bad-input.test.ts).
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { auditedCommands, clearAudit, ensureAuditKey } from '../../../scripts/sandbox/audit.js';
import { BROKER_LOG, SERVICE_SCRIPT } from '../../../scripts/sandbox/broker.js';
import { MOUNT_POINTS, MQTT_TLS_PORT } from '../../../scripts/sandbox/layout.js';
import { factsProbe as nodeFactsProbe } from '../../../src/facts/gather.js';
import { backupScript, freeSpaceScript } from '../../../src/hivemq/install.js';
import { timed } from '../../../src/remote/channel-remote.js';
import { atomicWriteScript, COMMAND_TIMEOUT_MS, shellQuote } from '../../../src/remote/remote.js';
import { treeHashes } from '../../helpers/cli.js';
import { run, sshPort } from '../support/fleet.js';
import { resetToPlain } from '../support/reset.js';
import { workspace } from '../support/workspace.js';
import { layout, node } from './sandbox-fleet.js';

const { work, deployTls } = workspace('injection');
const target = node(1);
const marker = `/tmp/PWNED-${randomBytes(6).toString('hex')}`;

/** Text every shell would act on: each piece alone would create the marker. */
const hostile = (label: string) =>
  `${label} $(touch ${marker}) \`touch ${marker}\` ; touch ${marker} | touch ${marker} & 'q' "q" \\ * ? [a] <x> &amp; #`;

// On the node (inside its mount namespace): tls.dir under /etc/ssl/hivemq, hivemq.home and
// hivemq.log as symlinks with hostile names to the broker's real home and log.
const tlsDir = `${MOUNT_POINTS.ssl}/${hostile('tls')}`;
const home = `${MOUNT_POINTS.ssl}/${hostile('home')}`;
const log = `${MOUNT_POINTS.ssl}/${hostile('log')}.log`;
const onHost = (nodePath: string) => path.join(target.sslDir, path.relative(MOUNT_POINTS.ssl, nodePath));

// On the control host: the CA, keys, known_hosts, password files and the client bundle folder.
const local = path.join(work, hostile('local'));
const caDir = path.join(local, 'pki');
/** hostile() holds the marker's path, so as a file name it makes folders: create them. */
const inFolder = (file: string) => {
  mkdirSync(path.dirname(file), { recursive: true });
  return file;
};
const secretFile = (name: string, value: string) => {
  const file = inFolder(path.join(local, `${hostile(name)}.pass`));
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return file;
};
/** A subject value is at most 64 characters without "/" (the loader refuses more): a short one. */
const subject = (label: string) => `${label} $(touch P) \`touch P\`;|&'"<>*`;

const listenerName = hostile('listener');
let inventoryFile: string;

function nodeFiles() {
  return { ssl: treeHashes(target.sslDir), conf: treeHashes(path.join(target.homeDir, 'conf')) };
}

beforeAll(async () => {
  await resetToPlain([target]);
  const audit = await ensureAuditKey(layout);
  symlinkSync(MOUNT_POINTS.home, inFolder(onHost(home)));
  symlinkSync(BROKER_LOG, inFolder(onHost(log)));
  const key = inFolder(path.join(local, 'ssh', hostile('key')));
  copyFileSync(audit.key, key);
  const knownHosts = inFolder(path.join(local, 'ssh', hostile('known_hosts')));
  copyFileSync(layout.knownHosts, knownHosts);
  const inventory = {
    ca: {
      dir: caDir,
      password: { file: secretFile('ca', `ca-${hostile('pw')}`) },
      subject: { C: 'DE', O: subject('O'), OU: subject('OU'), L: subject('L'), ST: subject('ST') },
    },
    defaults: {
      ssh: { user: 'root', port: sshPort(), privateKey: key, knownHosts },
      hivemq: { home, edition: 'community', serviceUser: 'root', restart: `${SERVICE_SCRIPT} restart`, log },
      tls: {
        dir: tlsDir,
        keystore: { password: { file: secretFile('keystore', `ks-${hostile('pw')}`) } },
        truststore: { password: { file: secretFile('truststore', `ts-${hostile('pw')}`) } },
        listener: { name: listenerName, port: MQTT_TLS_PORT, bindAddress: target.address },
      },
    },
    clients: [
      {
        name: 'app',
        out: path.join(local, hostile('bundle')),
        password: { file: secretFile('client', `cl-${hostile('pw')}`) },
      },
    ],
    nodes: [{ name: target.name, host: target.host, address: target.address }],
  };
  inventoryFile = inFolder(path.join(local, `${hostile('inventory')}.yaml`));
  writeFileSync(inventoryFile, stringify(inventory));
  const init = await deployTls(['ca', 'init', '--inventory', inventoryFile]);
  expect(init.code, init.stderr).toBe(0);
  clearAudit(audit);
}, 300_000);

afterAll(async () => {
  await resetToPlain([target]);
}, 120_000);

const paths = {
  config: `${home}/conf/config.xml`,
  keystore: `${tlsDir}/hivemq-keystore.jks`,
  truststore: `${tlsDir}/hivemq-truststore.jks`,
  backupRoot: `${tlsDir}/backup`,
  pending: `${tlsDir}/.deploy-tls-pending.json`,
};
/** A command as the node runs it: under timeout(1), 120 s unless said otherwise. */
const onNode = (command: string, seconds = COMMAND_TIMEOUT_MS / 1000) => timed(command, seconds);
const factsProbe = () => onNode(nodeFactsProbe(paths, home).command);

describe('hostile inventory values on a real sshd that logs every command', () => {
  it('plan runs only the facts probe, with the paths as quoted words, and changes nothing', async () => {
    const audit = await ensureAuditKey(layout);
    const before = nodeFiles();
    const plan = await deployTls(['plan', '--inventory', inventoryFile]);
    expect(plan.code, `${plan.stdout}\n${plan.stderr}`).toBe(0);
    expect(plan.stdout).toContain(`● ${target.name}: restart`);
    expect(auditedCommands(audit, target.address)).toEqual([factsProbe()]);
    expect(nodeFiles()).toEqual(before);
    expect(existsSync(marker), `${marker} exists: a hidden command ran`).toBe(false);
  });

  it('the rollout runs the probe, backup, atomic write and the restart command, nothing else', async () => {
    const audit = await ensureAuditKey(layout);
    clearAudit(audit);
    const configMode = statSync(path.join(target.homeDir, 'conf', 'config.xml')).mode & 0o777;
    const result = await deployTls(['--inventory', inventoryFile]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${target.name}\\s+deployed\\s+restart`));

    // What was written, as the node has it now: the lengths the write script had to take.
    const size = (nodePath: string) => statSync(onHost(nodePath)).size;
    const configSize = statSync(path.join(target.homeDir, 'conf', 'config.xml')).size;
    const [backup, ...others] = readdirSync(onHost(paths.backupRoot));
    expect(others).toEqual([]);
    const stamp = (backup ?? '').replace(/\.[^.]+$/, '');
    const store = { mode: 0o640, owner: 'root', group: 'root' };
    const audited = auditedCommands(audit, target.address);
    // The pending-change marker is gone once the gate passed: its length is read from the write.
    const markerLength = Number([...(audited[3] ?? '').matchAll(/head -c \S*?(\d+)/g)][3]?.[1]);
    expect(markerLength).toBeGreaterThan(50);
    expect(audited).toEqual([
      factsProbe(),
      onNode(freeSpaceScript([paths.keystore, paths.truststore, paths.config, paths.backupRoot])),
      onNode(backupScript(paths.backupRoot, [paths.keystore, paths.truststore, paths.config], stamp, 5)),
      onNode(
        atomicWriteScript([
          { path: paths.keystore, length: size(paths.keystore), ...store },
          { path: paths.truststore, length: size(paths.truststore), ...store },
          { path: paths.config, length: configSize, mode: configMode, owner: 'root', group: 'root' },
          { path: paths.pending, length: markerLength, mode: 0o600 },
        ]),
      ),
      onNode(`${SERVICE_SCRIPT} restart`, 180),
      onNode(`rm -f -- ${shellQuote(paths.pending)}`),
    ]);
    expect(existsSync(marker), `${marker} exists: a hidden command ran`).toBe(false);

    // The files are where the hostile paths say, and the broker serves them under the hostile name.
    expect(readdirSync(onHost(tlsDir)).sort()).toEqual([
      'backup',
      'hivemq-keystore.jks',
      'hivemq-truststore.jks',
    ]);
    expect(readdirSync(path.join(onHost(paths.backupRoot), backup ?? ''))).toEqual(['config.xml']);
    const config = readFileSync(path.join(target.homeDir, 'conf', 'config.xml'), 'utf8');
    expect(config).toContain(
      `<path>${tlsDir.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}/hivemq-keystore.jks</path>`,
    );
    const xsd = await run('xmllint', [
      '--noout',
      '--schema',
      layout.configXsd,
      path.join(target.homeDir, 'conf', 'config.xml'),
    ]);
    expect(xsd.code, xsd.stderr).toBe(0);
    expect(existsSync(path.join(local, hostile('bundle'), 'app.cert.pem'))).toBe(true);
  });
});
