// The bad-input table: every input deploy-tls must refuse, against the built CLI and the sandbox.
// Each row: the input → exit code 2, a message naming file:line:col (or the node, or the option),
// the CA directory byte for byte as before, every node's files as before, and no command run on
// any node beyond what the row allows (the inventories log in with the sandbox's audited key,
// scripts/sandbox/audit.ts, so sshd records every command it is asked to run).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditedCommands, clearAudit, ensureAuditKey } from '../../../scripts/sandbox/audit.js';
import { MOUNT_POINTS } from '../../../scripts/sandbox/layout.js';
import { factsProbe } from '../../../src/facts/gather.js';
import { timed } from '../../../src/remote/channel-remote.js';
import { COMMAND_TIMEOUT_MS } from '../../../src/remote/remote.js';
import { treeHashes } from '../../helpers/cli.js';
import { run } from '../support/fleet.js';
import { resetToPlain } from '../support/reset.js';
import { CLI, workspace } from '../support/workspace.js';
import { layout, nodes } from './sandbox-fleet.js';

const { work, caDir, deployTls, initCa, writeInventory, secrets } = workspace('bad-input');
const marker = `/tmp/PWNED-${randomBytes(6).toString('hex')}`;
const injection = `$(touch ${marker}) \`touch ${marker}\` ; touch ${marker} | touch ${marker}`;

// biome-ignore lint/suspicious/noExplicitAny: an inventory document each row bends its own way
type Doc = Record<string, any>;
const nodeAt = (doc: Doc, index = 0): Doc => doc.nodes[index];
const tlsOf = (doc: Doc, index = 0): Doc => {
  const node = nodeAt(doc, index);
  node.tls ??= {};
  return node.tls;
};
const hivemqOf = (doc: Doc): Doc => {
  doc.defaults.hivemq ??= {};
  return doc.defaults.hivemq;
};

interface Row {
  name: string;
  /** The command line; `inventory` is the row's inventory file when the row has one. */
  args: (inventory: string) => string[];
  /** Changes the sandbox inventory (which logs in with the audited key); omitted: no inventory. */
  inventory?: (doc: Doc) => void;
  /** Replaces the whole inventory file's text. */
  text?: () => string;
  /** What stderr must say; `{file}` stands for the inventory's path and `{L}` for line:col. */
  message: string;
  env?: Record<string, string>;
  /** The CA that must stay as it was (default: this file's CA). */
  ca?: () => string;
  /** The only commands a node may have run: the facts probe, when the row's problem is on a node. */
  probes?: boolean;
  before?: () => void;
  after?: () => void;
}

const auditKey = path.join(layout.state, 'audit', 'id_ed25519');
const config1 = path.join(nodes[0]?.homeDir ?? '', 'conf', 'config.xml');
let stockConfig1 = '';
const otherCa = path.join(work, 'other-pki');

const ROWS: Row[] = [
  // Paths on a node are absolute; no value holds a control character; injection values are refused.
  {
    name: 'relative tls.dir',
    inventory: (doc) => {
      tlsOf(doc).dir = 'etc/ssl/hivemq';
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} nodes[0].tls.dir: "etc/ssl/hivemq" is not an absolute path',
  },
  {
    name: 'relative hivemq.home',
    inventory: (doc) => {
      hivemqOf(doc).home = 'opt/hivemq';
    },
    args: (inv) => ['plan', '--inventory', inv],
    message: '{file}:{L} defaults.hivemq.home: "opt/hivemq" is not an absolute path',
  },
  {
    name: 'relative hivemq.log',
    inventory: (doc) => {
      hivemqOf(doc).log = 'log/hivemq.log';
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} defaults.hivemq.log: "log/hivemq.log" is not an absolute path',
  },
  {
    name: 'tls.dir with a newline and a command',
    inventory: (doc) => {
      tlsOf(doc).dir = `/etc/ssl/hivemq\n${injection}`;
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} nodes[0].tls.dir: contains U+000A at character 15',
  },
  {
    name: 'tls.dir with a carriage return',
    inventory: (doc) => {
      tlsOf(doc, 1).dir = '/etc/ssl/hivemq\r';
    },
    args: (inv) => ['plan', '--inventory', inv],
    message: '{file}:{L} nodes[1].tls.dir: contains U+000D',
  },
  {
    name: 'hivemq.restart with a second line',
    inventory: (doc) => {
      hivemqOf(doc).restart = `/opt/hivemq/bin/hivemq-service restart\ntouch ${marker}`;
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} defaults.hivemq.restart: contains U+000A',
  },
  {
    name: 'listener name with a terminal escape',
    inventory: (doc) => {
      tlsOf(doc).listener.name = 'secure\u001b[2J';
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} nodes[0].tls.listener.name: contains U+001B',
  },
  {
    name: 'listener name with a bidi override',
    inventory: (doc) => {
      tlsOf(doc).listener.name = 'secure\u202elistener';
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} nodes[0].tls.listener.name: contains U+202E',
  },
  {
    name: 'bind address with a command',
    inventory: (doc) => {
      tlsOf(doc).listener.bindAddress = injection;
    },
    args: (inv) => ['--inventory', inv],
    message: `{file}:{L} nodes[0].tls.listener.bindAddress: "${injection}" is not an IP address`,
  },
  {
    name: 'bind address that is a host name',
    inventory: (doc) => {
      tlsOf(doc).listener.bindAddress = 'broker1.deploy-tls.test';
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} nodes[0].tls.listener.bindAddress: "broker1.deploy-tls.test" is not an IP address',
  },
  {
    name: 'protocol with a command',
    inventory: (doc) => {
      tlsOf(doc).protocols = [`TLSv1.3;touch ${marker}`];
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} nodes[0].tls.protocols[0]: Invalid option: expected one of "TLSv1.2"|"TLSv1.3"',
  },
  {
    name: 'cipher suite with a command',
    inventory: (doc) => {
      tlsOf(doc).cipherSuites = ['TLS_AES_128_GCM_SHA256', `TLS_AES_256_GCM_SHA384|touch ${marker}`];
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} nodes[0].tls.cipherSuites[1]: a cipher suite is a Java standard name',
  },
  {
    name: 'serviceUser with a group of its own',
    inventory: (doc) => {
      hivemqOf(doc).serviceUser = 'hivemq:root';
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} defaults.hivemq.serviceUser: a user or group name is up to 32 letters',
  },
  {
    name: 'serviceUser with a command',
    inventory: (doc) => {
      hivemqOf(doc).serviceUser = injection;
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} defaults.hivemq.serviceUser: a user or group name',
  },
  {
    name: 'ssh.user with a newline',
    inventory: (doc) => {
      doc.defaults.ssh.user = 'root\nid';
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} defaults.ssh.user: contains U+000A',
  },
  {
    name: 'address with a command',
    inventory: (doc) => {
      nodeAt(doc).address = `127.0.0.1;touch ${marker}`;
    },
    args: (inv) => ['--inventory', inv],
    message: `{file}:{L} nodes[0].address: "127.0.0.1;touch ${marker}" is neither a DNS name nor an IP address`,
  },
  {
    name: 'host with backticks',
    inventory: (doc) => {
      nodeAt(doc).host = `\`touch ${marker}\``;
    },
    args: (inv) => ['--inventory', inv],
    message: `{file}:{L} nodes[0].host: "\`touch ${marker}\`" is neither a DNS name nor an IP address`,
  },
  {
    name: 'SAN with a command',
    inventory: (doc) => {
      nodeAt(doc).sans = [`DNS:$(touch ${marker})`];
    },
    args: (inv) => ['--inventory', inv],
    message: `{file}:{L} nodes[0].sans[0]: "$(touch ${marker})" is not a DNS name`,
  },
  {
    name: 'password file path with a control character',
    inventory: (doc) => {
      doc.defaults.tls.keystore = { password: { file: './ks\u0007.pass' } };
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} defaults.tls.keystore.password.file: contains U+0007',
  },
  {
    name: 'password environment variable that is no name',
    inventory: (doc) => {
      doc.defaults.tls.keystore = { password: { env: `X;touch ${marker}` } };
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} defaults.tls.keystore.password.env: an environment variable name',
  },
  {
    name: 'CA subject with a slash',
    inventory: (doc) => {
      doc.ca.subject = { O: 'Example/Inc' };
    },
    args: (inv) => ['ca', 'init', '--inventory', inv],
    message: '{file}:{L} ca.subject.O: a subject value cannot hold "/"',
  },
  {
    name: 'tls.backups of 0',
    inventory: (doc) => {
      tlsOf(doc).backups = 0;
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} nodes[0].tls.backups: keep at least 1 backup',
  },
  // Names: the CA's own are reserved, and a node and a client never share one.
  {
    name: 'node named intermediate',
    inventory: (doc) => {
      nodeAt(doc).name = 'intermediate';
    },
    args: (inv) => ['--inventory', inv],
    message: `{file}:{L} nodes[0].name: "intermediate" is reserved for the CA's own files`,
  },
  {
    name: 'client named ca-chain',
    inventory: (doc) => {
      doc.clients[0].name = 'ca-chain';
    },
    args: (inv) => ['--inventory', inv],
    message: `{file}:{L} clients[0].name: "ca-chain" is reserved for the CA's own files`,
  },
  {
    name: 'client named deploy-tls-smoke',
    inventory: (doc) => {
      doc.clients[0].name = 'deploy-tls-smoke';
    },
    args: (inv) => ['--inventory', inv],
    message: `{file}:{L} clients[0].name: "deploy-tls-smoke" is reserved`,
  },
  {
    name: 'node named intermediate-next',
    inventory: (doc) => {
      nodeAt(doc, 2).name = 'Intermediate-Next';
    },
    args: (inv) => ['--inventory', inv],
    message: `{file}:{L} nodes[2].name: "Intermediate-Next" is reserved`,
  },
  {
    name: 'a node and a client sharing a name',
    inventory: (doc) => {
      doc.clients[0].name = 'broker2';
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} clients[0].name: "broker2" names both a node and a client (also nodes[1])',
  },
  {
    name: 'a client without a password of its own',
    inventory: (doc) => {
      delete doc.clients[0].password;
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} clients[0].password: a client bundle needs a password of its own',
  },
  // Size.
  {
    name: 'an inventory over 1 MiB',
    text: () => `# ${'x'.repeat(1024 * 1024)}\n${readFileSync(layout.inventory, 'utf8')}`,
    args: (inv) => ['--inventory', inv],
    message: '{file} is 1.0 MiB: an inventory is at most 1 MiB',
  },
  {
    name: 'an inventory of 1001 nodes',
    inventory: (doc) => {
      const [first] = doc.nodes;
      doc.nodes = Array.from({ length: 1001 }, (_, i) => ({ ...structuredClone(first), name: `b${i}` }));
    },
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} nodes: an inventory holds at most 1000 nodes',
  },
  {
    name: 'YAML aliases that expand to a billion values',
    text: () =>
      `${Array.from({ length: 9 }, (_, i) =>
        i === 0
          ? 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'
          : `a${i}: &a${i} [${Array(10)
              .fill(`*a${i - 1}`)
              .join(', ')}]`,
      ).join('\n')}\n${readFileSync(layout.inventory, 'utf8')}`,
    args: (inv) => ['--inventory', inv],
    message: '{file}:{L} its aliases (*name) expand to too much',
  },
  // Node contents (a config.xml HiveMQ could not parse) are that node's failure, not bad input:
  // the other nodes go on (test/e2e/convergence.test.ts).
  // The CA: rows that fail cleanly today.
  {
    name: 'wrong CA password (issue)',
    args: () => ['issue', 'node', '--ca-dir', caDir, '--name', 'broker9', '--san', 'DNS:broker9.example.com'],
    env: { DEPLOY_TLS_CA_PASSWORD: 'not-the-password' },
    message: 'wrong CA password',
  },
  {
    name: 'wrong CA password (rollout)',
    inventory: () => {},
    args: (inv) => ['--inventory', inv],
    env: { DEPLOY_TLS_CA_PASSWORD: 'not-the-password' },
    probes: true,
    message: 'wrong CA password',
  },
  {
    name: 'missing CA (issue)',
    args: () => [
      'issue',
      'node',
      '--ca-dir',
      path.join(work, 'no-ca'),
      '--name',
      'broker9',
      '--san',
      'DNS:b9.test',
    ],
    message: `no CA in ${path.join(work, 'no-ca')}`,
  },
  {
    name: 'missing CA (rollout)',
    inventory: (doc) => {
      doc.ca.dir = path.join(work, 'no-ca');
    },
    args: (inv) => ['--inventory', inv],
    message: `no CA in ${path.join(work, 'no-ca')}`,
  },
  // Fails cleanly once the CA's reserved names land (src/pki/leaves.ts); it overwrote the
  // intermediate's key and certificate before. On a CA of its own, so no other row depends on it.
  {
    name: 'a leaf named intermediate (issue)',
    args: () => [
      'issue',
      'node',
      '--ca-dir',
      otherCa,
      '--name',
      'intermediate',
      '--san',
      'DNS:intermediate.example.com',
      '--out',
      path.join(work, 'intermediate-out'),
    ],
    ca: () => otherCa,
    message: `"intermediate" is reserved for the CA's own files`,
  },
];

/**
 * The one command a row whose problem is on a node may run there (the sandbox inventory's paths),
 * as the node runs it: under timeout(1).
 */
const FACTS_PROBE = timed(
  factsProbe(
    {
      config: `${MOUNT_POINTS.home}/conf/config.xml`,
      keystore: `${MOUNT_POINTS.ssl}/hivemq-keystore.jks`,
      truststore: `${MOUNT_POINTS.ssl}/hivemq-truststore.jks`,
      backupRoot: `${MOUNT_POINTS.ssl}/backup`,
      pending: `${MOUNT_POINTS.ssl}/.deploy-tls-pending.json`,
    },
    MOUNT_POINTS.home,
  ).command,
  COMMAND_TIMEOUT_MS / 1000,
);

function nodeFiles() {
  return nodes.map((n) => ({ ssl: treeHashes(n.sslDir), conf: treeHashes(path.join(n.homeDir, 'conf')) }));
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  await resetToPlain(nodes);
  stockConfig1 = readFileSync(config1, 'utf8');
  await initCa();
  const other = await deployTls(['ca', 'init', '--ca-dir', otherCa]);
  expect(other.code, other.stderr).toBe(0);
  await ensureAuditKey(layout);
}, 300_000);

afterAll(() => {
  writeFileSync(config1, stockConfig1);
});

describe('bad input: exit 2, a message that names where, and nothing changed anywhere', () => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const audit = await ensureAuditKey(layout);
    const file = `${row.name.replace(/\W+/g, '-')}.yaml`;
    let inventory = path.join(work, file);
    if (row.text) writeFileSync(inventory, row.text());
    else if (row.inventory)
      inventory = writeInventory(file, (doc) => {
        const d = doc as unknown as Doc;
        d.defaults.ssh.privateKey = auditKey;
        row.inventory?.(d);
      });
    row.before?.();
    try {
      const ca = row.ca?.() ?? caDir;
      const before = { ca: treeHashes(ca), nodes: nodeFiles() };
      clearAudit(audit);
      // Passwords reach the CLI through its environment, as in production; a row may replace one.
      const result = row.env
        ? await run('node', [CLI, ...row.args(inventory)], {
            env: { ...process.env, ...secrets, ...row.env },
            timeoutMs: 120_000,
          })
        : await deployTls(row.args(inventory), 120_000);
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.code, output).toBe(2);
      const pattern = literal(row.message)
        .replace(literal('{file}'), literal(inventory))
        .replace(literal('{L}'), '\\d+:\\d+');
      expect(result.stderr).toMatch(new RegExp(pattern));
      expect(treeHashes(ca), 'the CA directory changed').toEqual(before.ca);
      expect(nodeFiles(), "a node's files changed").toEqual(before.nodes);
      for (const n of nodes) {
        const commands = auditedCommands(audit, n.address);
        if (row.probes)
          expect(
            commands.filter((command) => command !== FACTS_PROBE),
            n.name,
          ).toEqual([]);
        else expect(commands, `${n.name} ran commands`).toEqual([]);
      }
      expect(existsSync(marker), 'a command hidden in the input ran').toBe(false);
    } finally {
      row.after?.();
    }
  });
});
