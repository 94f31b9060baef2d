// The reach test bed: broker nodes that SSH reaches only through jump hosts, as in a private
// network behind a bastion. Two network namespaces of our own stand for the networks:
//
//   machine ──veth── edge (bastion1, reach-pp, reach-cert) ──veth── core (bastion2, reach-sudo)
//
// A node's sshd listens on the node's address inside its namespace, so `ssh 127.0.N.201` from the
// machine finds nothing there: only bastion1 (and for reach-sudo, bastion1 then bastion2) reaches
// it. The brokers themselves run on the machine's network (the node's service script enters it,
// as systemd starts services outside the ssh session), so MQTT clients and the health gate reach
// them directly. bastion0 is a jump host on the machine's own network, in front of broker1..3, so
// the benchmark can compare the same nodes direct and through a jump host.
//
//   reach-pp    behind bastion1; root logs in with a passphrase-protected RSA key only
//   reach-sudo  behind bastion1,bastion2; user `deployer`, whose sudo asks for a password; its
//               user and ProxyJump come from the ssh config only
//   reach-cert  behind bastion1; its host key is a certificate (known_hosts: @cert-authority),
//               and it accepts only user certificates (TrustedUserCAKeys): ssh.transport openssh
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { $ } from 'zx';
import {
  BROKER_LOG,
  brokerPid,
  SERVICE_SCRIPT,
  startBroker,
  stopBroker,
  waitUntilServing,
  writeBrokerHome,
} from './broker.js';
import { testBedInventory, nodeEntry as testBedNode } from './inventory.js';
import { HOST_DOMAIN, type NodeLayout, type SandboxLayout, sandboxNet } from './layout.js';
import { type Bind, holderPid, inNamespace, startHolder, stopHolder } from './namespace.js';
import { recordedPid, terminate, waitFor } from './processes.js';
import { ensureClientKey } from './sshd.js';

const SSHD = '/usr/sbin/sshd';
/** The login user of reach-sudo, only inside that node's mount namespace. */
export const DEPLOYER = 'deployer';

export type NetName = 'edge' | 'core';

export interface ReachHost {
  name: string;
  address: string;
  /** undefined: the machine's own network. */
  net?: NetName;
  dir: string;
  sshdConfig: string;
  sshdPidFile: string;
  sshdLog: string;
  hostKey: string;
}

export interface ReachNode extends ReachHost {
  layout: NodeLayout;
  net: NetName;
}

export interface ReachLayout {
  dir: string;
  /** The machine net's third octet: names and addresses of this bed derive from it. */
  octet: number;
  netns: Record<NetName, string>;
  /** veth pairs: [machine side, edge side] and [edge side, core side]. */
  links: { outer: [string, string]; inner: [string, string] };
  /** 198.18.<octet>.0/29: RFC 2544's benchmarking range, never routed beyond this machine. */
  addresses: { machine: string; edge: string; edgeInner: string; core: string };
  bastions: { bastion0: ReachHost; bastion1: ReachHost; bastion2: ReachHost };
  nodes: { pp: ReachNode; sudo: ReachNode; cert: ReachNode };
  sshConfig: string;
  knownHosts: string;
  inventory: string;
  passphraseKey: string;
  certKey: string;
  hostCa: string;
  userCa: string;
  passphraseFile: string;
  becomePasswordFile: string;
}

function host(dir: string, name: string, address: string, net?: NetName): ReachHost {
  const own = path.join(dir, name);
  return {
    name,
    address,
    net,
    dir: own,
    sshdConfig: path.join(own, 'ssh', 'sshd_config'),
    sshdPidFile: path.join(own, 'ssh', 'sshd.pid'),
    sshdLog: path.join(own, 'ssh', 'sshd.log'),
    hostKey: path.join(own, 'ssh', 'ssh_host_ed25519_key'),
  };
}

function node(dir: string, name: string, index: number, net: NetName): ReachNode {
  const base = host(dir, name, `${sandboxNet()}.${index}`, net);
  const homeDir = path.join(base.dir, 'opt-hivemq');
  return {
    ...base,
    net,
    layout: {
      index,
      name,
      host: `${name}.${HOST_DOMAIN}`,
      address: base.address,
      dir: base.dir,
      sslDir: path.join(base.dir, 'etc-ssl-hivemq'),
      homeDir,
      holderPidFile: path.join(base.dir, 'holder.pid'),
      holderLog: path.join(base.dir, 'holder.log'),
      sshdConfig: base.sshdConfig,
      sshdPidFile: base.sshdPidFile,
      sshdLog: base.sshdLog,
      hostKey: base.hostKey,
      brokerPidFile: path.join(homeDir, 'hivemq.pid'),
    },
  };
}

export function reachLayout(layout: SandboxLayout): ReachLayout {
  const net = sandboxNet();
  const [, second, third] = net.split('.').map(Number) as [number, number, number];
  if (second !== 0) throw new Error(`the reach test bed needs DEPLOY_TLS_SANDBOX_NET=127.0.N (got ${net})`);
  const dir = path.join(layout.state, 'reach');
  const v4 = (last: number) => `198.18.${third}.${last}`;
  return {
    dir,
    octet: third,
    netns: { edge: `deploy-tls-${third}-edge`, core: `deploy-tls-${third}-core` },
    links: { outer: [`dtls${third}m`, `dtls${third}e`], inner: [`dtls${third}ei`, `dtls${third}c`] },
    addresses: { machine: v4(1), edge: v4(2), edgeInner: v4(5), core: v4(6) },
    bastions: {
      bastion0: host(dir, 'bastion0', `${net}.200`),
      bastion1: host(dir, 'bastion1', v4(2), 'edge'),
      bastion2: host(dir, 'bastion2', v4(6), 'core'),
    },
    nodes: {
      pp: node(dir, 'reach-pp', 201, 'edge'),
      sudo: node(dir, 'reach-sudo', 202, 'core'),
      cert: node(dir, 'reach-cert', 203, 'edge'),
    },
    sshConfig: path.join(dir, 'ssh_config'),
    knownHosts: path.join(dir, 'known_hosts'),
    inventory: path.join(dir, 'inventory.yaml'),
    passphraseKey: path.join(dir, 'keys', 'id_rsa_passphrase'),
    certKey: path.join(dir, 'keys', 'id_ecdsa_cert'),
    hostCa: path.join(dir, 'ca', 'host_ca'),
    userCa: path.join(dir, 'ca', 'user_ca'),
    passphraseFile: path.join(layout.state, 'secrets', 'passphrase.pass'),
    becomePasswordFile: path.join(layout.state, 'secrets', 'become.pass'),
  };
}

/** bastion0's second host key, RSA. */
export const bastionRsaKey = (reach: ReachLayout) =>
  path.join(reach.bastions.bastion0.dir, 'ssh', 'ssh_host_rsa_key');

const netnsPath = (reach: ReachLayout, net: NetName) => `/run/netns/${reach.netns[net]}`;
const uidOf = (reach: ReachLayout) => 60_000 + reach.octet;

// ── network ──────────────────────────────────────────────────────────────────────────────────

async function exists(args: string[]): Promise<boolean> {
  return (await $({ nothrow: true, quiet: true })`${args}`).exitCode === 0;
}

export async function networkUp(reach: ReachLayout): Promise<void> {
  const { edge, core } = reach.netns;
  const [outerMachine, outerEdge] = reach.links.outer;
  const [innerEdge, innerCore] = reach.links.inner;
  const ip = $({ quiet: true });
  for (const name of [edge, core]) {
    if (!(await exists(['ip', 'netns', 'exec', name, 'true']))) await ip`ip netns add ${name}`;
    await ip`ip -n ${name} link set lo up`;
  }
  if (!(await exists(['ip', 'link', 'show', outerMachine]))) {
    await ip`ip link add ${outerMachine} type veth peer name ${outerEdge} netns ${edge}`;
    await ip`ip addr add ${`${reach.addresses.machine}/30`} dev ${outerMachine}`;
    await ip`ip -n ${edge} addr add ${`${reach.addresses.edge}/30`} dev ${outerEdge}`;
  }
  if (!(await exists(['ip', '-n', edge, 'link', 'show', innerEdge]))) {
    await ip`ip -n ${edge} link add ${innerEdge} type veth peer name ${innerCore} netns ${core}`;
    await ip`ip -n ${edge} addr add ${`${reach.addresses.edgeInner}/30`} dev ${innerEdge}`;
    await ip`ip -n ${core} addr add ${`${reach.addresses.core}/30`} dev ${innerCore}`;
  }
  await ip`ip link set ${outerMachine} up`;
  await ip`ip -n ${edge} link set ${outerEdge} up`;
  await ip`ip -n ${edge} link set ${innerEdge} up`;
  await ip`ip -n ${core} link set ${innerCore} up`;
}

export async function networkDown(reach: ReachLayout): Promise<void> {
  // Deleting a namespace deletes the veth ends inside it, and with them their peers.
  for (const name of Object.values(reach.netns)) {
    if (await exists(['ip', 'netns', 'exec', name, 'true']))
      await $({ quiet: true })`ip netns delete ${name}`;
  }
}

// ── keys, certificates, users ────────────────────────────────────────────────────────────────

async function keygen(file: string, type: string, comment: string): Promise<void> {
  if (existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  await $({ quiet: true })`ssh-keygen -q -t ${type} -N ${''} -C ${comment} -f ${file}`;
}

function secret(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/**
 * A passphrase-protected RSA key. ssh-keygen reads the new passphrase from stdin when it has no
 * terminal (setsid drops ours), so the passphrase never appears on a command line.
 */
async function passphraseKey(reach: ReachLayout): Promise<void> {
  if (existsSync(reach.passphraseKey)) return;
  mkdirSync(path.dirname(reach.passphraseKey), { recursive: true, mode: 0o700 });
  const passphrase = secret(reach.passphraseFile);
  await $({
    quiet: true,
    input: `${passphrase}\n${passphrase}\n`,
  })`setsid ssh-keygen -q -t rsa -b 3072 -C deploy-tls-passphrase -f ${reach.passphraseKey}`;
}

async function certificates(reach: ReachLayout): Promise<void> {
  await keygen(reach.hostCa, 'ed25519', 'deploy-tls sandbox host CA');
  await keygen(reach.userCa, 'ed25519', 'deploy-tls sandbox user CA');
  const { cert } = reach.nodes;
  const hostCert = `${cert.hostKey}-cert.pub`;
  if (!existsSync(hostCert)) {
    await $({
      quiet: true,
    })`ssh-keygen -q -s ${reach.hostCa} -I ${cert.name} -h -n ${[cert.address, cert.name, cert.layout.host].join(',')} -V -5m:+3650d ${`${cert.hostKey}.pub`}`;
  }
  await keygen(reach.certKey, 'ecdsa', 'deploy-tls-certificate');
  if (!existsSync(`${reach.certKey}-cert.pub`)) {
    await $({
      quiet: true,
    })`ssh-keygen -q -s ${reach.userCa} -I deploy-tls-sandbox -n root -V -5m:+3650d ${`${reach.certKey}.pub`}`;
  }
}

/**
 * reach-sudo's own /etc/passwd, group, shadow and sudoers.d, bind-mounted in its namespace only:
 * the machine gets no new user. The password hash comes from `openssl passwd -stdin`.
 */
async function deployerFiles(reach: ReachLayout): Promise<Bind[]> {
  const { sudo } = reach.nodes;
  const etc = path.join(sudo.dir, 'etc');
  const sudoers = path.join(etc, 'sudoers.d');
  mkdirSync(sudoers, { recursive: true });
  const uid = uidOf(reach);
  const home = path.join(sudo.dir, 'home-deployer');
  mkdirSync(home, { recursive: true });
  chownSync(home, uid, uid);
  const password = secret(reach.becomePasswordFile);
  const hash = (await $({ quiet: true, input: `${password}\n` })`openssl passwd -6 -stdin`).stdout.trim();
  const without = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith(`${DEPLOYER}:`))
      .join('\n');
  writeFileSync(
    path.join(etc, 'passwd'),
    `${without('/etc/passwd')}\n${DEPLOYER}:x:${uid}:${uid}::${home}:/bin/sh\n`,
  );
  writeFileSync(path.join(etc, 'group'), `${without('/etc/group')}\n${DEPLOYER}:x:${uid}:\n`);
  writeFileSync(
    path.join(etc, 'shadow'),
    `${without('/etc/shadow')}\n${DEPLOYER}:${hash}:19000:0:99999:7:::\n`,
    {
      mode: 0o640,
    },
  );
  const rule = path.join(sudoers, DEPLOYER);
  writeFileSync(rule, `# sudo asks ${DEPLOYER} for a password: no NOPASSWD\n${DEPLOYER} ALL=(ALL:ALL) ALL\n`);
  chmodSync(rule, 0o440);
  chmodSync(sudoers, 0o755);
  // sshd reads authorized keys as the user logging in: deployer's own copy.
  const keys = path.join(sudo.dir, 'ssh', `authorized_keys_${DEPLOYER}`);
  mkdirSync(path.dirname(keys), { recursive: true });
  return [
    { source: path.join(etc, 'passwd'), target: '/etc/passwd' },
    { source: path.join(etc, 'group'), target: '/etc/group' },
    { source: path.join(etc, 'shadow'), target: '/etc/shadow' },
    { source: sudoers, target: '/etc/sudoers.d' },
  ];
}

// ── sshd ─────────────────────────────────────────────────────────────────────────────────────

function sshdConfig(h: ReachHost, lines: string[]): string {
  return [
    `# sshd for ${h.name} of the reach test bed, written by \`npm run sandbox -- up --reach\`.`,
    `ListenAddress ${h.address}:22`,
    `HostKey ${h.hostKey}`,
    `PidFile ${h.sshdPidFile}`,
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'X11Forwarding no',
    'PrintMotd no',
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    ...lines,
    '',
  ].join('\n');
}

async function writeHost(h: ReachHost, config: string[]): Promise<void> {
  mkdirSync(path.dirname(h.sshdConfig), { recursive: true });
  await keygen(h.hostKey, 'ed25519', `root@${h.name}`);
  writeFileSync(h.sshdConfig, sshdConfig(h, config));
}

const sshdPid = (h: ReachHost) => recordedPid(h.sshdPidFile, h.sshdConfig);

/** True once something answers with an SSH banner on address:22 inside the host's network. */
async function greets(reach: ReachLayout, h: ReachHost): Promise<boolean> {
  const probe = `exec 3<>/dev/tcp/${h.address}/22 && head -c 4 <&3`;
  const enter = h.net ? ['nsenter', `--net=${netnsPath(reach, h.net)}`, '--'] : [];
  const result = await $({ nothrow: true, quiet: true })`${enter} timeout 2 bash -c ${probe}`;
  return result.stdout.startsWith('SSH-');
}

async function startSshd(reach: ReachLayout, h: ReachHost, holder?: number): Promise<void> {
  const running = sshdPid(h);
  // sshd re-reads its config on SIGHUP (sshd(8)): a rewritten config takes effect on every up.
  if (running !== undefined) process.kill(running, 'SIGHUP');
  else {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const mount = holder === undefined ? [] : ['--mount', `--target=${holder}`];
    const net = h.net ? [`--net=${netnsPath(reach, h.net)}`] : [];
    const enter = mount.length + net.length > 0 ? ['nsenter', ...mount, ...net, '--'] : [];
    await $({ quiet: true })`${enter} ${SSHD} -f ${h.sshdConfig} -E ${h.sshdLog}`;
  }
  await waitFor(
    `${h.name}'s sshd on ${h.address}:22 (see ${h.sshdLog})`,
    async () => (await greets(reach, h)) || undefined,
    {
      timeoutMs: 10_000,
    },
  );
}

// ── up / down ────────────────────────────────────────────────────────────────────────────────

export const reachHosts = (reach: ReachLayout): ReachHost[] => [
  ...Object.values(reach.bastions),
  ...Object.values(reach.nodes),
];

export async function reachUp(
  layout: SandboxLayout,
  log: (line: string) => void = () => {},
): Promise<ReachLayout> {
  const reach = reachLayout(layout);
  mkdirSync(reach.dir, { recursive: true });
  await ensureClientKey(layout);
  await networkUp(reach);
  const { bastion0, bastion1, bastion2 } = reach.bastions;
  const { pp, sudo, cert } = reach.nodes;
  const forwarding = [`AuthorizedKeysFile ${layout.authorizedKeys}`, 'AllowTcpForwarding yes'];
  // bastion0 also has an RSA host key: a known_hosts that lists only it must still work (OpenSSH
  // 8.8+ servers refuse the SHA-1 ssh-rsa signature; clients must ask for rsa-sha2-256/512).
  await keygen(bastionRsaKey(reach), 'rsa', 'root@bastion0');
  await writeHost(bastion0, [...forwarding, `HostKey ${bastionRsaKey(reach)}`]);
  for (const bastion of [bastion1, bastion2]) await writeHost(bastion, forwarding);

  await passphraseKey(reach);
  await writeHost(pp, [`AuthorizedKeysFile ${reach.passphraseKey}.pub`, 'AllowTcpForwarding no']);
  await writeHost(sudo, [
    `AuthorizedKeysFile ${path.join(sudo.dir, 'ssh', 'authorized_keys_%u')}`,
    `AllowUsers ${DEPLOYER}`,
    'AllowTcpForwarding no',
  ]);
  await writeHost(cert, []);
  await certificates(reach);
  writeFileSync(
    cert.sshdConfig,
    sshdConfig(cert, [
      `HostCertificate ${cert.hostKey}-cert.pub`,
      `TrustedUserCAKeys ${reach.userCa}.pub`,
      'AuthorizedKeysFile none',
      'AllowTcpForwarding no',
    ]),
  );
  const deployerBinds = await deployerFiles(reach);
  const deployerKeys = path.join(sudo.dir, 'ssh', `authorized_keys_${DEPLOYER}`);
  writeFileSync(deployerKeys, readFileSync(`${layout.sshKey}.pub`), { mode: 0o600 });
  chownSync(deployerKeys, uidOf(reach), uidOf(reach));

  for (const bastion of [bastion0, bastion1, bastion2]) await startSshd(reach, bastion);
  const started: ReachNode[] = [];
  for (const n of [pp, sudo, cert]) {
    // The bind sources must exist before the namespace mounts them; the files come after.
    mkdirSync(n.layout.sslDir, { recursive: true, mode: 0o750 });
    mkdirSync(n.layout.homeDir, { recursive: true });
    const holder = await startHolder(n.layout, n === sudo ? deployerBinds : []);
    await writeBrokerHome(layout, n.layout, { netnsEnter: `nsenter --net=/proc/${holder}/ns/net` });
    await startSshd(reach, n, holder);
    if (brokerPid(n.layout) === undefined) {
      await startBroker(n.layout, holder);
      started.push(n);
    }
  }
  if (started.length > 0) log(`starting HiveMQ on ${started.map((n) => n.name).join(', ')}`);
  await Promise.all(started.map((n) => waitUntilServing(n.layout)));
  writeReachFiles(layout, reach);
  return reach;
}

export async function reachDown(layout: SandboxLayout): Promise<void> {
  const reach = reachLayout(layout);
  await Promise.all(
    Object.values(reach.nodes).map(async (n) => {
      const holder = holderPid(n.layout);
      await stopBroker(n.layout, holder);
      const pid = sshdPid(n);
      if (pid !== undefined) await terminate(pid, 10_000);
      await stopHolder(n.layout);
    }),
  );
  for (const bastion of Object.values(reach.bastions)) {
    const pid = sshdPid(bastion);
    if (pid !== undefined) await terminate(pid, 10_000);
  }
  await networkDown(reach);
}

export function reachRunning(layout: SandboxLayout): boolean {
  const reach = reachLayout(layout);
  return reachHosts(reach).every((h) => sshdPid(h) !== undefined);
}

// ── files for deploy-tls ─────────────────────────────────────────────────────────────────────

function knownHostsLine(names: string[], publicKey: string, marker = ''): string {
  const [type, key] = readFileSync(publicKey, 'utf8').trim().split(/\s+/);
  return `${marker}${names.join(',')} ${type} ${key}`;
}

export function reachSshConfig(layout: SandboxLayout, reach: ReachLayout): string {
  const { bastion0, bastion1, bastion2 } = reach.bastions;
  return `# Written by \`npm run sandbox -- up --reach\`: the jump hosts of the reach test bed.
Host bastion0
  HostName ${bastion0.address}
Host bastion1
  HostName ${bastion1.address}
Host bastion2
  HostName ${bastion2.address}
# reach-sudo's user and jump hosts come from here only, not from the inventory.
Host reach-sudo
  HostName ${reach.nodes.sudo.address}
  User ${DEPLOYER}
  ProxyJump bastion1,bastion2
Host bastion*
  User root
  IdentityFile ${layout.sshKey}
`;
}

export function reachInventory(layout: SandboxLayout, reach: ReachLayout): object {
  const { pp, sudo, cert } = reach.nodes;
  const nodeEntry = (n: ReachNode, ssh: object) => ({ ...testBedNode({ ...n, host: n.layout.host }), ssh });
  return testBedInventory({
    secrets: layout,
    pkiDir: layout.pkiDir,
    organization: 'deploy-tls sandbox',
    ssh: { configFile: reach.sshConfig, knownHosts: reach.knownHosts, privateKey: layout.sshKey },
    hivemq: { serviceUser: 'root', restart: `${SERVICE_SCRIPT} restart`, log: BROKER_LOG },
    plainKey: true,
    nodes: [
      nodeEntry(pp, {
        proxyJump: 'bastion1',
        user: 'root',
        privateKey: reach.passphraseKey,
        passphrase: { file: reach.passphraseFile },
      }),
      nodeEntry(sudo, {
        host: 'reach-sudo',
        become: true,
        becomePassword: { file: reach.becomePasswordFile },
      }),
      nodeEntry(cert, {
        proxyJump: 'bastion1',
        user: 'root',
        transport: 'openssh',
        privateKey: reach.certKey,
      }),
    ],
  });
}

function writeReachFiles(layout: SandboxLayout, reach: ReachLayout): void {
  writeFileSync(reach.sshConfig, reachSshConfig(layout, reach));
  const { cert } = reach.nodes;
  const lines = [
    ...Object.values(reach.bastions).map((b) => knownHostsLine([b.address], `${b.hostKey}.pub`)),
    knownHostsLine([reach.nodes.pp.address], `${reach.nodes.pp.hostKey}.pub`),
    knownHostsLine([reach.nodes.sudo.address], `${reach.nodes.sudo.hostKey}.pub`),
    // reach-cert has no plain line: its host certificate is vouched for by the host CA.
    knownHostsLine([cert.address, cert.layout.host], `${reach.hostCa}.pub`, '@cert-authority '),
  ];
  const direct = existsSync(layout.knownHosts) ? readFileSync(layout.knownHosts, 'utf8').trim() : '';
  writeFileSync(reach.knownHosts, `${[direct, ...lines].filter((l) => l !== '').join('\n')}\n`);
  const header = '# Written by `npm run sandbox -- up --reach`; rewritten on every up.\n';
  writeFileSync(reach.inventory, header + stringify(reachInventory(layout, reach)));
}

/** argv prefix that runs a command in a reach node's mount namespace (tests reset files there). */
export function inReachNode(n: ReachNode): string[] {
  const holder = holderPid(n.layout);
  if (holder === undefined) throw new Error(`${n.name} is not running`);
  return inNamespace(holder);
}
