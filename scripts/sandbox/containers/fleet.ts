// The container fleet: one container per node from the release's node image, started with
// testcontainers. Nodes share the host's network (no registry, no bridge, no NAT needed), and each
// node's sshd and HiveMQ listeners bind its own loopback address, so all traffic stays on 127/8.
// systemd is PID 1 in every node and runs HiveMQ with HiveMQ's own unit as user `hivemq`;
// deploy-tls logs in as `deploy` and uses sudo, as on a production server.
//
// Testcontainers' reaper (Ryuk) removes containers when the process that made them ends, but
// `sandbox up` leaves the fleet running for the user on purpose (and its image cannot be pulled
// without a registry), so these containers opt out of it and the fleet cleans up after itself:
// every container carries the fleet's label, `down` removes all of them, and `up` replaces those
// from an older image.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GenericContainer } from 'testcontainers';
import { DeployTlsError } from '../../../src/errors.js';
import { stockConfigXml } from '../broker.js';
import type { Fleet, FleetNode, NodeStatus } from '../fleet-api.js';
import {
  HOST_DOMAIN,
  MQTT_PORT,
  MQTT_TLS_PORT,
  type SandboxLayout,
  sandboxLayout,
  sandboxNet,
} from '../layout.js';
import { readNodeFile } from '../node-files.js';
import { mqttAccepts, sshBanner, tcpAnswers } from '../probes.js';
import { waitFor } from '../processes.js';
import { runProcess } from '../run-process.js';
import { ensureEngine } from './engine.js';
import { ensureNodeImage, LABEL } from './images.js';
import { containerInventory } from './inventory.js';
import { clientKey, hostKey, knownHostsLine } from './keys.js';
import { LOGIN_USER, RESTART_COMMAND, SERVICE_USER } from './node.js';
import { RELEASES, type ReleaseName } from './releases.js';
import { runtimeClient } from './runtime.js';

const FLEET_LABEL = 'deploy-tls.fleet';
const NODE_LABEL = 'deploy-tls.node';
const DEFAULT_SSH_PORT = 22;
/** Containers created (or removed) at once: each start copies files and boots systemd. */
const PARALLEL = 4;

/**
 * 127.<N>.<Debian version>: N is the last octet of DEPLOY_TLS_SANDBOX_NET (default 127.0.1), so
 * the checkout that runs the namespace fleet on 127.0.4 runs container fleets on 127.4.12 (bookworm),
 * 127.4.13 (trixie)…: fleets of two releases, or of two checkouts, never share an address.
 */
export function containerNet(release: ReleaseName, env: NodeJS.ProcessEnv = process.env): string {
  const own = sandboxNet(env).split('.')[2];
  return `127.${own}.${RELEASES[release].version}`;
}

interface Settings {
  nodes: number;
  sshPort: number;
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

export function containerFleet(release: ReleaseName, layout: SandboxLayout = sandboxLayout()): Fleet {
  const net = containerNet(release);
  const id = `container:${release}`;
  const fleetKey = `${id}@${net}`;
  const state = path.join(layout.state, 'containers', release);
  const paths = {
    state,
    inventory: path.join(state, 'inventory.yaml'),
    knownHosts: path.join(state, 'known_hosts'),
    sshKey: path.join(state, 'id_ed25519'),
    configXsd: path.join(state, 'config.xsd'),
    pkiDir: path.join(state, 'pki'),
  };
  const settingsFile = path.join(state, 'fleet.json');
  const savedSettings = (): Settings | undefined => {
    try {
      return JSON.parse(readFileSync(settingsFile, 'utf8')) as Settings;
    } catch {
      return undefined;
    }
  };
  const address = (index: number) => `${net}.${index}`;
  const node = (index: number): FleetNode => {
    const name = `broker${index}`;
    return { index, name, host: `${name}.${HOST_DOMAIN}`, address: address(index) };
  };
  const containerName = (n: FleetNode) => `deploy-tls-${release}-${net.replaceAll('.', '-')}-${n.name}`;

  async function listContainers() {
    const client = await runtimeClient();
    return client.container.dockerode.listContainers({
      all: true,
      filters: { label: [`${FLEET_LABEL}=${fleetKey}`] },
    });
  }

  async function removeContainer(containerId: string): Promise<void> {
    const client = await runtimeClient();
    const container = client.container.getById(containerId);
    // SIGRTMIN+3 (the image's STOPSIGNAL) lets systemd stop HiveMQ and sshd in order.
    await container.stop({ t: 30 }).catch(() => {});
    await container.remove({ force: true, v: true }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
  }

  async function cgroupMounts() {
    const client = await runtimeClient();
    const info = (await client.container.dockerode.info()) as { CgroupVersion?: string };
    // systemd needs the cgroup tree. On cgroup v1 hosts (this machine kind) a read-only view is
    // enough: it runs its units in the container's own cgroup. cgroup v2 hosts need a writable
    // one, which Docker gives only with the host's cgroup namespace.
    return info.CgroupVersion === '2'
      ? { mode: 'rw' as const, hostNamespace: true }
      : { mode: 'ro' as const, hostNamespace: false };
  }

  async function startNode(n: FleetNode, image: string, sshPort: number, authorizedKey: string) {
    const key = hostKey(path.join(state, 'nodes', n.name), n.host);
    const cgroup = await cgroupMounts();
    const container = new NodeContainer(image, cgroup.hostNamespace)
      .withName(containerName(n))
      .withNetworkMode('host')
      .withAutoCleanup(false)
      .withLabels({ [LABEL]: 'node', [FLEET_LABEL]: fleetKey, [NODE_LABEL]: n.name })
      .withEnvironment({ container: 'docker' })
      // systemd wants /run and /run/lock as tmpfs (Docker mounts tmpfs noexec: not for /tmp, where
      // HiveMQ's RocksDB unpacks its native library).
      .withTmpFs({ '/run': 'rw,nosuid,nodev,mode=755', '/run/lock': 'rw,nosuid,nodev,noexec' })
      .withBindMounts([{ source: '/sys/fs/cgroup', target: '/sys/fs/cgroup', mode: cgroup.mode }])
      .withCopyContentToContainer([
        { content: `ListenAddress ${n.address}:${sshPort}\n`, target: '/etc/ssh/sshd_config.d/node.conf' },
        { content: key.private, target: '/etc/ssh/ssh_host_ed25519_key', mode: 0o600 },
        { content: `${key.public}\n`, target: '/etc/ssh/ssh_host_ed25519_key.pub', mode: 0o644 },
        // sshd reads it as the user after privilege separation: world-readable, owned by root.
        { content: `${authorizedKey}\n`, target: `/home/${LOGIN_USER}/.ssh/authorized_keys`, mode: 0o644 },
        { content: stockConfigXml(n), target: '/opt/hivemq/conf/config.xml', mode: 0o644 },
      ]);
    await container.start();
    // Copied files arrive as root; HiveMQ's layout is the hivemq user's.
    const chown = await fleet.exec(n, [
      'chown',
      `${SERVICE_USER}:${SERVICE_USER}`,
      '/opt/hivemq/conf/config.xml',
    ]);
    if (chown.code !== 0) throw new Error(`${n.name}: chown config.xml: ${chown.stderr}`);
  }

  /** JVMs start at once and share the machine's cores: the wait grows with the fleet. */
  async function waitUntilServing(n: FleetNode, sshPort: number, fleetSize: number): Promise<void> {
    const hint = `see \`docker exec ${containerName(n)} journalctl -u ssh -u hivemq\` and /opt/hivemq/log/hivemq.log there`;
    await waitFor(
      `${n.name}'s sshd on ${n.address}:${sshPort} and HiveMQ on :${MQTT_PORT} (${hint})`,
      async () =>
        ((await sshBanner(n.address, sshPort)) !== undefined &&
          ((await mqttAccepts(n.address, MQTT_PORT)) || (await tcpAnswers(n.address, MQTT_TLS_PORT)))) ||
        undefined,
      { timeoutMs: 120_000 + fleetSize * 15_000, intervalMs: 500 },
    );
  }

  const fleet: Fleet = {
    id,
    paths,
    login: { user: LOGIN_USER, become: true },
    serviceUser: SERVICE_USER,
    restartCommand: RESTART_COMMAND,
    serviceCommand: (action) => `systemctl ${action} hivemq`,
    sshPort: () => savedSettings()?.sshPort ?? DEFAULT_SSH_PORT,
    node,
    address,

    async up({ nodes, log = () => {}, sshPort: wanted }) {
      if (!Number.isInteger(nodes) || nodes < 1 || nodes > 250) {
        throw new DeployTlsError(`--nodes must be 1..250, got ${nodes}`);
      }
      const sshPort = wanted ?? savedSettings()?.sshPort ?? DEFAULT_SSH_PORT;
      await ensureEngine(log);
      mkdirSync(state, { recursive: true });
      const image = await ensureNodeImage(
        release,
        {
          imageDir: path.join(layout.repoRoot, 'scripts', 'sandbox', 'containers', 'image'),
          hivemqSources: layout.hivemqSources,
          workDir: path.join(layout.cache, 'images'),
        },
        log,
      );
      const client = clientKey(paths.sshKey);
      const wantedNodes = Array.from({ length: nodes }, (_, i) => node(i + 1));
      const running = new Set<string>();
      const stale: string[] = [];
      for (const info of await listContainers()) {
        const name = info.Labels[NODE_LABEL] ?? '';
        const keep =
          wantedNodes.some((n) => n.name === name) &&
          info.State === 'running' &&
          info.Image === image &&
          savedSettings()?.sshPort === sshPort;
        if (keep) running.add(name);
        else stale.push(info.Id);
      }
      if (stale.length > 0)
        log(`removing ${stale.length} container(s) of an older image, a stopped node or beyond --nodes`);
      await inParallel(stale, PARALLEL, removeContainer);
      const missing = wantedNodes.filter((n) => !running.has(n.name));
      if (missing.length > 0) log(`starting ${missing.map((n) => n.name).join(', ')} (${image})`);
      await inParallel(missing, PARALLEL, (n) => startNode(n, image, sshPort, client.public));
      await Promise.all(wantedNodes.map((n) => waitUntilServing(n, sshPort, missing.length)));

      const first = wantedNodes[0];
      if (first !== undefined)
        writeFileSync(paths.configXsd, await readNodeFile(fleet, first, '/opt/hivemq/conf/config.xsd'));
      writeFileSync(
        paths.knownHosts,
        `${wantedNodes.map((n) => knownHostsLine(n, sshPort, hostKey(path.join(state, 'nodes', n.name), n.host).public)).join('\n')}\n`,
      );
      containerInventory(layout, paths, wantedNodes, sshPort);
      writeFileSync(settingsFile, `${JSON.stringify({ nodes, sshPort, image }, null, 2)}\n`);
      return wantedNodes;
    },

    async down({ log = () => {} } = {}) {
      await ensureEngine(log);
      const containers = await listContainers();
      if (containers.length > 0) log(`removing ${containers.length} container(s) of ${fleetKey}`);
      await inParallel(
        containers.map((c) => c.Id),
        PARALLEL * 2,
        removeContainer,
      );
    },

    async status(): Promise<NodeStatus[]> {
      const containers = await listContainers();
      const port = fleet.sshPort();
      const rows = containers
        .map((info) => ({ info, index: Number(/^broker(\d+)$/.exec(info.Labels[NODE_LABEL] ?? '')?.[1]) }))
        .filter((row) => Number.isInteger(row.index))
        .sort((a, b) => a.index - b.index);
      return Promise.all(
        rows.map(async ({ info, index }) => {
          const n = node(index);
          const up = info.State === 'running';
          return {
            name: n.name,
            address: n.address,
            sshBanner: up ? await sshBanner(n.address, port) : undefined,
            brokerPid: up ? await fleet.brokerPid(n) : undefined,
            mqtt: up && (await mqttAccepts(n.address, MQTT_PORT)),
            mqttTls: up && (await tcpAnswers(n.address, MQTT_TLS_PORT)),
            details: { container: info.Id.slice(0, 12), state: info.State },
          };
        }),
      );
    },

    usage(nodes) {
      const rel = (file: string) => path.relative(process.cwd(), file) || '.';
      const first = nodes[0];
      const port = fleet.sshPort();
      return [
        `sandbox up (${id}): ${nodes.length} node(s) ${nodes.map((n) => `${n.name}=${n.address}`).join(' ')}`,
        `  inventory:   ${rel(paths.inventory)}`,
        `  known_hosts: ${rel(paths.knownHosts)}`,
        ...(first === undefined
          ? []
          : [
              `  ssh:         ssh -i ${rel(paths.sshKey)} -o UserKnownHostsFile=${rel(paths.knownHosts)}${port === 22 ? '' : ` -p ${port}`} ${LOGIN_USER}@${first.address}`,
              `  root shell:  docker exec -it ${containerName(first)} bash`,
              `  mqtt:        mosquitto_sub -h ${first.address} -t 'test/#' -v`,
              `  restart:     (over ssh) sudo ${RESTART_COMMAND}; log in /opt/hivemq/log/hivemq.log`,
            ]),
      ];
    },

    exec(n, argv, input) {
      return runProcess(['docker', 'exec', '-i', containerName(n), ...argv], { input, timeoutMs: 120_000 });
    },

    async brokerPid(n) {
      const result = await fleet.exec(n, ['systemctl', 'show', '--property=MainPID', '--value', 'hivemq']);
      const pid = Number(result.stdout.toString().trim());
      return result.code === 0 && Number.isInteger(pid) && pid > 0 ? pid : undefined;
    },
  };
  return fleet;
}

/** GenericContainer that can join the host's cgroup namespace (systemd on cgroup v2 hosts). */
class NodeContainer extends GenericContainer {
  constructor(image: string, hostCgroupNamespace: boolean) {
    super(image);
    // Docker's API has it (since 1.41); dockerode's types do not yet.
    if (hostCgroupNamespace) Object.assign(this.hostConfig, { CgroupnsMode: 'host' });
  }
}
