// The health gate after a change: the TLS port serves the expected certificate within a timeout,
// and a client with a certificate completes an MQTT round trip.
import { mqttRoundTrip } from './mqtt-check.js';
import { type ClientIdentity, probeTls, type ServedCertificate, TlsProbeError } from './tls-probe.js';

export interface GateTarget {
  address: string;
  port: number;
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

const POLL_MS = 500;

export class GateError extends Error {}

/** Polls until the port serves `serial` (a restart or HiveMQ's 10-second keystore re-hash). */
export async function waitForServedSerial(
  target: GateTarget,
  serial: string,
  timeoutMs: number,
): Promise<{ served: ServedCertificate; waitedMs: number }> {
  const started = Date.now();
  let last = 'nothing answered';
  while (Date.now() - started < timeoutMs) {
    try {
      const served = await probeTls({ ...target, timeoutMs: Math.min(5_000, timeoutMs) });
      if (served.serial === serial) return { served, waitedMs: Date.now() - started };
      last = `it serves serial ${served.serial}`;
    } catch (error) {
      last = error instanceof TlsProbeError ? `${error.code ?? ''} ${error.message}`.trim() : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new GateError(
    `${target.address}:${target.port} did not serve serial ${serial} within ${timeoutMs / 1000} s (${last})`,
  );
}

/** Resolves once nothing accepts TCP+TLS on the port: the listener is gone. */
export async function waitForTlsClosed(target: GateTarget, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      await probeTls({ ...target, timeoutMs: 2_000 });
    } catch (error) {
      if (error instanceof TlsProbeError && error.code === 'ECONNREFUSED') return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new GateError(`${target.address}:${target.port} still answers TLS after ${timeoutMs / 1000} s`);
}

export async function healthGate(target: GateTarget, serial: string, timeoutMs: number): Promise<GateResult> {
  const { served, waitedMs } = await waitForServedSerial(target, serial, timeoutMs);
  if (!served.trusted) throw new GateError(`the served chain does not lead to our CA: ${served.trustError}`);
  if (!served.nameMatches) throw new GateError(`the served certificate does not cover ${target.host}`);
  const trip = await mqttRoundTrip({ ...target, protocolVersion: 5, timeoutMs: 10_000 }).catch(
    (error: Error) => {
      throw new GateError(`mutual-TLS MQTT round trip failed: ${error.message}`);
    },
  );
  return { served, handshakeMs: served.handshakeMs, roundTripMs: trip.roundTripMs, waitedMs };
}
