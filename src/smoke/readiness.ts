// Readiness, not absence. After a rollback to a node that had no TLS listener, "the TLS port refuses
// connections" is also exactly what a broker that is still starting (or never came back) looks like.
// So the old state is proven in two steps: first the broker answers again (an MQTT CONNACK on one
// of its plain listeners, or its log says it started), then the TLS port refuses.
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { type Clock, elapsedMs } from '../clock.js';
import { GateError } from './gate.js';
import { probeTls, TlsProbeError } from './tls-probe.js';

/** A listener without TLS as config.xml has it (hivemq/config.ts readPlainListeners). */
export interface PlainListenerRef {
  type: 'tcp' | 'websocket';
  port: number;
  bindAddress: string;
}

export interface Endpoint {
  address: string;
  port: number;
}

/**
 * Something that says the broker is up, polled until it does: false means "not yet"; a check
 * that knows the start failed (the log says CE fell back to its defaults) throws, and the wait ends.
 */
export interface ReadinessSignal {
  /** "MQTT on 10.0.0.11:1883", "hivemq.log: Started HiveMQ" */
  name: string;
  check(): Promise<boolean>;
}

const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);
const POLL_MS = 500;

/**
 * Where to knock for each plain MQTT listener: its bind address, or the node's address when it
 * binds every interface. websocket-listeners need an HTTP upgrade first and are left to the log.
 */
export function plainMqttEndpoints(listeners: readonly PlainListenerRef[], nodeAddress: string): Endpoint[] {
  return listeners
    .filter((listener) => listener.type === 'tcp')
    .map((listener) => ({
      address: ANY_ADDRESS.has(listener.bindAddress) ? nodeAddress : listener.bindAddress,
      port: listener.port,
    }));
}

/** MQTT 3.1.1 CONNECT (OASIS MQTT 3.1.1 §3.1): protocol "MQTT" level 4, clean session, keep-alive 10 s. */
export function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId, 'utf8');
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 10]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  const remaining = variable.length + payload.length; // < 128 for our client ids: one length byte
  return Buffer.concat([Buffer.from([0x10, remaining]), variable, payload]);
}

/**
 * The CONNACK return code when `bytes` start with one (§3.2: 0x20, remaining length 2, flags,
 * code), else undefined. Any code counts as an answer: a broker that refuses us is running.
 */
export function parseConnack(bytes: Uint8Array): number | undefined {
  return bytes.length >= 4 && bytes[0] === 0x20 && bytes[1] === 2 ? bytes[3] : undefined;
}

/** True when the endpoint answers an MQTT CONNECT with a CONNACK (accepted or not) in time. */
export function mqttAnswers(endpoint: Endpoint, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: endpoint.address, port: endpoint.port });
    let received = Buffer.alloc(0);
    const finish = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
    socket.once('connect', () =>
      socket.write(connectPacket(`deploy-tls-ready-${randomBytes(4).toString('hex')}`)),
    );
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4) finish(parseConnack(received) !== undefined);
    });
  });
}

/** One signal per plain MQTT endpoint. */
export function mqttSignals(endpoints: readonly Endpoint[]): ReadinessSignal[] {
  return endpoints.map((endpoint) => ({
    name: `MQTT on ${endpoint.address}:${endpoint.port}`,
    check: () => mqttAnswers(endpoint),
  }));
}

/** Polls until any signal says the broker is up; resolves with that signal's name. */
export async function waitUntilAnswering(
  signals: readonly ReadinessSignal[],
  timeoutMs: number,
  clock: Clock,
): Promise<string> {
  if (signals.length === 0)
    throw new GateError('nothing to wait for: the node has no plain MQTT listener and no log to read');
  const started = clock.now();
  for (;;) {
    for (const signal of signals) if (await signal.check()) return signal.name;
    if (elapsedMs(clock, started) >= timeoutMs)
      throw new GateError(
        `the broker did not answer within ${timeoutMs / 1000} s (${signals.map((s) => s.name).join(', ')})`,
      );
    await clock.sleep(POLL_MS);
  }
}

/**
 * The old state of a node that had no TLS listener: the broker answers again (any signal), and then
 * nothing accepts TCP on the TLS port. Resolves with the signal that proved the broker up.
 */
export async function proveNoTlsListener(
  tls: Endpoint & { host: string; ca: string },
  signals: readonly ReadinessSignal[],
  timeoutMs: number,
  clock: Clock,
): Promise<string> {
  const started = clock.now();
  const proof = await waitUntilAnswering(signals, timeoutMs, clock);
  try {
    await probeTls({ ...tls, timeoutMs: Math.max(2_000, timeoutMs - elapsedMs(clock, started)) });
  } catch (error) {
    if (error instanceof TlsProbeError && error.code === 'ECONNREFUSED') return proof;
    throw new GateError(
      `${tls.address}:${tls.port} neither serves TLS nor refuses connections: ${(error as Error).message}`,
    );
  }
  throw new GateError(
    `${tls.address}:${tls.port} still serves TLS although the restored config has no TLS listener`,
  );
}
