// The node's HiveMQ home (/opt/hivemq inside the node) and the broker's life cycle through the same
// service script the inventory's restart command runs over ssh.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { brokerClasspath, hivemqJar } from './hivemq-jars.js';
import { MOUNT_POINTS, MQTT_PORT, MQTT_TLS_PORT, type NodeLayout, type SandboxLayout } from './layout.js';
import { inNamespace } from './namespace.js';
import { mqttAccepts, tcpAnswers } from './probes.js';
import { recordedPid, terminate, waitFor } from './processes.js';

export const SERVICE_SCRIPT = `${MOUNT_POINTS.home}/bin/hivemq-service`;
export const BROKER_LOG = `${MOUNT_POINTS.home}/log/hivemq.log`;
/** Appears in the broker JVM's command line; hivemq-service checks for it too. */
const MAIN_CLASS = 'deploytls.sandbox.Launcher';

// Measured on this machine: HiveMQ CE 2025.5 idles at about 180 MiB RSS with these settings.
// SerialGC and C1-only keep per-node memory and CPU at start low; the --add-opens/--add-exports
// are those of HiveMQ's own bin/run.sh for Java 11+.
export const JAVA_OPTS = [
  '-Xms32m',
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:MaxMetaspaceSize=128m',
  '-Xss512k',
  '-Djava.net.preferIPv4Stack=true',
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED',
  '--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED',
];

/** The stock config: one plain TCP listener on the node's own address (nodes share the network). */
export function stockConfigXml(node: Pick<NodeLayout, 'address'>): string {
  return `<?xml version="1.0"?>
<hivemq xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        xsi:noNamespaceSchemaLocation="config.xsd">

    <listeners>
        <tcp-listener>
            <port>${MQTT_PORT}</port>
            <bind-address>${node.address}</bind-address>
        </tcp-listener>
    </listeners>

    <anonymous-usage-statistics>
        <enabled>false</enabled>
    </anonymous-usage-statistics>

</hivemq>
`;
}

function serviceScript(layout: SandboxLayout, java: string, netnsEnter: string): string {
  const template = readFileSync(path.join(layout.hivemqSources, 'hivemq-service.sh'), 'utf8');
  return template
    .replace('@NETNS_ENTER@', netnsEnter)
    .replace('@JAVA@', java)
    .replace('@CLASSPATH@', brokerClasspath(layout))
    .replace('@JAVA_OPTS@', JAVA_OPTS.join(' '));
}

/**
 * Lays out the node's /opt/hivemq. config.xml is written only when missing: tests and rollouts
 * change it, and `up` on a running fleet must not undo their work. Our own files are refreshed.
 */
export async function writeBrokerHome(
  layout: SandboxLayout,
  node: NodeLayout,
  options: { netnsEnter?: string } = {},
): Promise<void> {
  for (const dir of ['bin', 'conf', 'data', 'log', 'extensions']) {
    mkdirSync(path.join(node.homeDir, dir), { recursive: true });
  }
  mkdirSync(node.sslDir, { recursive: true, mode: 0o750 });
  const configXml = path.join(node.homeDir, 'conf', 'config.xml');
  if (!existsSync(configXml)) writeFileSync(configXml, stockConfigXml(node));
  copyFileSync(
    path.join(layout.hivemqSources, 'logback.xml'),
    path.join(node.homeDir, 'conf', 'logback.xml'),
  );
  // What a real CE install has where deploy-tls looks (hivemq/install-probe.ts): HiveMQ's zip puts
  // config.xsd in conf/ and the broker jar at bin/hivemq.jar. The sandbox runs CE embedded from the
  // jar cache, so these copies are only read, never run: the edition and version come from them.
  copyFileSync(layout.configXsd, path.join(node.homeDir, 'conf', 'config.xsd'));
  copyFileSync(hivemqJar(layout), path.join(node.homeDir, 'bin', 'hivemq.jar'));
  // Resolve java once, outside the namespace, so the script does not depend on ssh's PATH.
  const java = (
    await $({ quiet: true })`readlink -f ${(await $({ quiet: true })`command -v java`).stdout.trim()}`
  ).stdout.trim();
  const script = path.join(node.homeDir, 'bin', 'hivemq-service');
  writeFileSync(script, serviceScript(layout, java, options.netnsEnter ?? ''));
  chmodSync(script, 0o755);
}

export function brokerPid(node: NodeLayout): number | undefined {
  return recordedPid(node.brokerPidFile, MAIN_CLASS);
}

export async function startBroker(node: NodeLayout, holder: number): Promise<number> {
  await $({ quiet: true })`${inNamespace(holder)} ${SERVICE_SCRIPT} start`;
  const pid = brokerPid(node);
  if (pid === undefined) throw new Error(`${node.name}: hivemq-service start recorded no live broker`);
  return pid;
}

export async function stopBroker(node: NodeLayout, holder: number | undefined): Promise<void> {
  if (brokerPid(node) === undefined) return;
  if (holder !== undefined) {
    await $({ quiet: true })`${inNamespace(holder)} ${SERVICE_SCRIPT} stop`;
    return;
  }
  // The namespace is gone but the JVM lives on (started by hand?): stop it by its recorded PID.
  const pid = brokerPid(node);
  if (pid !== undefined) await terminate(pid, 30_000);
}

/** Serving = plain MQTT accepted on 1883, or (for a config a test switched to TLS) 8883 answering. */
export async function isServing(node: NodeLayout): Promise<boolean> {
  return (await mqttAccepts(node.address, MQTT_PORT)) || (await tcpAnswers(node.address, MQTT_TLS_PORT));
}

export async function waitUntilServing(node: NodeLayout, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    `${node.name}'s broker to serve on ${node.address}:${MQTT_PORT} or :${MQTT_TLS_PORT} (see ${path.join(node.homeDir, 'log')})`,
    async () => {
      if (brokerPid(node) === undefined) {
        throw new Error(`${node.name}'s broker exited: see ${path.join(node.homeDir, 'log', 'stdout.log')}`);
      }
      return (await isServing(node)) || undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}
