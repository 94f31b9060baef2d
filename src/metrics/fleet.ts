// deploy-tls's own metrics: what a status (or rotate) run observed, as Prometheus families for
// node_exporter's textfile collector. Pure: observations in, families or text out.
//
// Names follow https://prometheus.io/docs/practices/naming/: a `deploy_tls_` prefix, base units
// (seconds), expiry as a Unix timestamp as cert-manager's certmanager_certificate_expiration_timestamp_seconds
// does (alerts compute `… - time()`), and 0/1 gauges for yes/no. Serials are no labels: a label that
// changes at every rotation would start a new series each time.
import { type Labels, type MetricFamily, type ParsedSample, parseSamples } from './exposition.js';

/** One TLS listener of one node, as a handshake from the control host saw it. */
export interface ListenerObservation {
  node: string;
  /** The listener's name in config.xml, e.g. "secure-listener". */
  listener: string;
  /** A TLS handshake succeeded. */
  up: boolean;
  /** notAfter of the served leaf; absent when nothing was served. */
  servedNotAfter?: Date;
  /** The served serial is the one the ledger (or the keystore) says was deployed. */
  servedMatchesDeployed: boolean;
}

export type CertificateRole = 'client' | 'intermediate' | 'root';

/** A certificate that is no node's: a client bundle's, or the CA's own. */
export interface CertificateObservation {
  role: CertificateRole;
  /** The client bundle's name; for the CA's certificates its subject CN (or "root"/"intermediate"). */
  name: string;
  notAfter: Date;
}

export interface RunObservation {
  /** The deploy-tls command: "status", "rotate", "deploy", "verify". */
  command: string;
  finishedAt: Date;
  success: boolean;
}

/**
 * What one run knows. A part left out is not known by this run: merging keeps what an earlier run
 * wrote for it (rotate writes its run only; status writes everything).
 */
export interface MetricsInput {
  listeners?: readonly ListenerObservation[];
  certificates?: readonly CertificateObservation[];
  runs?: readonly RunObservation[];
}

export const METRIC = {
  expiry: 'deploy_tls_certificate_expiry_timestamp_seconds',
  servedMatchesDeployed: 'deploy_tls_certificate_served_matches_deployed',
  listenerUp: 'deploy_tls_listener_up',
  lastRunTimestamp: 'deploy_tls_last_run_timestamp_seconds',
  lastRunSuccess: 'deploy_tls_last_run_success',
} as const;

const HELP = {
  [METRIC.expiry]:
    'When a certificate expires (notAfter), as a Unix timestamp. role="node": the certificate a listener serves; role="client", "intermediate", "root": client bundles and the CA.',
  [METRIC.servedMatchesDeployed]:
    '1 when the listener serves the certificate deploy-tls deployed there, else 0 (an old one, a foreign one, or none).',
  [METRIC.listenerUp]: '1 when a TLS handshake with the listener succeeded from the control host, else 0.',
  [METRIC.lastRunTimestamp]: 'When the last run of a deploy-tls command finished, as a Unix timestamp.',
  [METRIC.lastRunSuccess]: '1 when the last run of a deploy-tls command succeeded on every node, else 0.',
} as const;

const FAMILY_ORDER = [
  METRIC.expiry,
  METRIC.servedMatchesDeployed,
  METRIC.listenerUp,
  METRIC.lastRunTimestamp,
  METRIC.lastRunSuccess,
] as const;

const seconds = (date: Date) => date.getTime() / 1000;
const bit = (yes: boolean) => (yes ? 1 : 0);

interface NamedSample {
  name: string;
  labels: Labels;
  value: number;
}

function samplesOf(input: MetricsInput): NamedSample[] {
  const samples: NamedSample[] = [];
  for (const l of input.listeners ?? []) {
    const at = { node: l.node, listener: l.listener };
    if (l.servedNotAfter) {
      samples.push({
        name: METRIC.expiry,
        labels: { role: 'node', ...at },
        value: seconds(l.servedNotAfter),
      });
    }
    samples.push({ name: METRIC.servedMatchesDeployed, labels: at, value: bit(l.servedMatchesDeployed) });
    samples.push({ name: METRIC.listenerUp, labels: at, value: bit(l.up) });
  }
  for (const c of input.certificates ?? []) {
    samples.push({ name: METRIC.expiry, labels: { role: c.role, name: c.name }, value: seconds(c.notAfter) });
  }
  for (const r of input.runs ?? []) {
    const labels = { command: r.command };
    samples.push({ name: METRIC.lastRunTimestamp, labels, value: seconds(r.finishedAt) });
    samples.push({ name: METRIC.lastRunSuccess, labels, value: bit(r.success) });
  }
  return samples;
}

/** The label names each kind of sample carries; a parsed sample with any other set is not ours. */
function labelShape(sample: NamedSample): 'node' | 'certificate' | 'run' | undefined {
  const keys = Object.keys(sample.labels).sort().join(',');
  if (sample.name === METRIC.expiry) {
    if (keys === 'listener,node,role' && sample.labels.role === 'node') return 'node';
    if (keys === 'name,role' && ['client', 'intermediate', 'root'].includes(sample.labels.role ?? '')) {
      return 'certificate';
    }
    return undefined;
  }
  if (sample.name === METRIC.servedMatchesDeployed || sample.name === METRIC.listenerUp) {
    return keys === 'listener,node' && (sample.value === 0 || sample.value === 1) ? 'node' : undefined;
  }
  if (sample.name === METRIC.lastRunSuccess && sample.value !== 0 && sample.value !== 1) return undefined;
  return keys === 'command' ? 'run' : undefined;
}

/**
 * The families for `input`, keeping from `previous` (the samples of the file as it was) every series
 * this run does not speak for: the node and listener series when it observed no listeners, the client
 * and CA series when it observed no certificates, and the last-run series of other commands.
 */
export function metricFamilies(input: MetricsInput, previous: readonly ParsedSample[] = []): MetricFamily[] {
  const commands = new Set((input.runs ?? []).map((r) => r.command));
  const kept = previous.filter((sample) => {
    if (!Number.isFinite(sample.value)) return false;
    switch (labelShape(sample)) {
      case 'node':
        return input.listeners === undefined;
      case 'certificate':
        return input.certificates === undefined;
      case 'run':
        return !commands.has(sample.labels.command ?? '');
      default:
        return false;
    }
  });
  // One series per name and label set (node_exporter refuses a file with two): the newest wins.
  const unique = new Map<string, NamedSample>();
  for (const sample of [...kept, ...samplesOf(input)]) {
    unique.set(JSON.stringify([sample.name, Object.entries(sample.labels).sort()]), sample);
  }
  const all = [...unique.values()];
  return FAMILY_ORDER.map((name) => ({
    name,
    help: HELP[name],
    type: 'gauge' as const,
    samples: all.filter((s) => s.name === name).map(({ labels, value }) => ({ labels, value })),
  }));
}

/** The samples of our families in an existing textfile. */
export function previousSamples(text: string): ParsedSample[] {
  return parseSamples(text, new Set<string>(FAMILY_ORDER));
}
