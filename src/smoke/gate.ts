// The health gate after a change: the TLS port serves the expected certificate within a timeout,
// and a client with a certificate completes an MQTT round trip. Bound to one node as a Gate, so
// the rollout's node protocol can be tested with a fake one.
import { type Clock, elapsedMs } from '../clock.js';
import { mqttRoundTrip, type Transport } from './mqtt-check.js';
import { proveNoTlsListener, type ReadinessSignal } from './readiness.js';
import { type ClientIdentity, probeTls, type ServedCertificate, TlsProbeError } from './tls-probe.js';

export interface GateTarget {
  address: string;
  /** The listener the round trip goes to (the inventory's first). */
  port: number;
  /** Its transport: mqtts:// (default) or wss:// with the path. */
  transport?: Transport;
  /** The node's other TLS listeners: they share the keystore, and must serve the serial too. */
  otherPorts?: readonly number[];
  host: string;
  ca: string;
  client: ClientIdentity;
}

export interface GateResult {
  served: ServedCertificate;
  handshakeMs: number;
  roundTripMs: number;
  waitedMs: number;
}

/** What a node serves, watched from the control host. */
export interface Gate {
  /** Polls until the port (default: the target's) serves `serial`; throws GateError at the timeout. */
  waitForSerial(serial: string, timeoutMs: number, port?: number): Promise<{ waitedMs: number }>;
  /** The serial is served with our chain and the node's name, and an mTLS MQTT round trip completes. */
  check(serial: string, timeoutMs: number): Promise<GateResult>;
  /** Resolves once nothing accepts TLS on the port: the listener is gone. */
  waitForClosed(timeoutMs: number): Promise<void>;
  /**
   * A node without a TLS listener: once any signal says the broker answers, nothing accepts TCP on
   * the port (smoke/readiness.ts). Resolves with the signal that proved the broker up.
   */
  proveNoTlsListener(signals: readonly ReadinessSignal[], timeoutMs: number): Promise<string>;
}

const POLL_MS = 500;

export class GateError extends Error {}

export function nodeGate(target: GateTarget, clock: Clock): Gate {
  return {
    waitForSerial: async (serial, timeoutMs, port = target.port) => {
      const { waitedMs } = await waitForServedSerial({ ...target, port }, serial, timeoutMs, clock);
      return { waitedMs };
    },
    check: (serial, timeoutMs) => healthGate(target, serial, timeoutMs, clock),
    waitForClosed: (timeoutMs) => waitForTlsClosed(target, timeoutMs, clock),
    proveNoTlsListener: (signals, timeoutMs) => proveNoTlsListener(target, signals, timeoutMs, clock),
  };
}

/** Polls until the port serves `serial` (a restart or HiveMQ's 10-second keystore re-hash). */
async function waitForServedSerial(
  target: GateTarget,
  serial: string,
  timeoutMs: number,
  clock: Clock,
): Promise<{ served: ServedCertificate; waitedMs: number }> {
  const started = clock.now();
  let last = 'nothing answered';
  while (elapsedMs(clock, started) < timeoutMs) {
    try {
      const served = await probeTls({ ...target, timeoutMs: Math.min(5_000, timeoutMs) });
      if (served.serial === serial) return { served, waitedMs: elapsedMs(clock, started) };
      last = `it serves serial ${served.serial}`;
    } catch (error) {
      last = error instanceof TlsProbeError ? `${error.code ?? ''} ${error.message}`.trim() : String(error);
    }
    await clock.sleep(POLL_MS);
  }
  throw new GateError(
    `${target.address}:${target.port} did not serve serial ${serial} within ${timeoutMs / 1000} s (${last})`,
  );
}

async function waitForTlsClosed(target: GateTarget, timeoutMs: number, clock: Clock): Promise<void> {
  const started = clock.now();
  while (elapsedMs(clock, started) < timeoutMs) {
    try {
      await probeTls({ ...target, timeoutMs: 2_000 });
    } catch (error) {
      if (error instanceof TlsProbeError && error.code === 'ECONNREFUSED') return;
    }
    await clock.sleep(POLL_MS);
  }
  throw new GateError(`${target.address}:${target.port} still answers TLS after ${timeoutMs / 1000} s`);
}

async function healthGate(
  target: GateTarget,
  serial: string,
  timeoutMs: number,
  clock: Clock,
): Promise<GateResult> {
  const started = clock.now();
  const { served, waitedMs } = await waitForServedSerial(target, serial, timeoutMs, clock);
  if (!served.trusted) throw new GateError(`the served chain does not lead to our CA: ${served.trustError}`);
  if (!served.nameMatches) throw new GateError(`the served certificate does not cover ${target.host}`);
  const trip = await mqttRoundTrip({ ...target, protocolVersion: 5, timeoutMs: 10_000 }).catch(
    (error: Error) => {
      throw new GateError(`mutual-TLS MQTT round trip failed: ${error.message}`);
    },
  );
  for (const port of target.otherPorts ?? [])
    await waitForServedSerial(
      { ...target, port },
      serial,
      Math.max(5_000, timeoutMs - elapsedMs(clock, started)),
      clock,
    );
  return { served, handshakeMs: served.handshakeMs, roundTripMs: trip.roundTripMs, waitedMs };
}
