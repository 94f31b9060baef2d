// The mutual-TLS round trip a client would make: connect with a client certificate,
// subscribe, publish at QoS 1 and receive the message on a unique topic.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { type ConnectionOptions, checkServerIdentity, type PeerCertificate } from 'node:tls';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { ClientIdentity } from './tls-probe.js';

/**
 * How a client reaches the listener: MQTT over TLS (mqtts://, a tls-tcp-listener) or MQTT over
 * WebSocket over TLS (wss://host:port/path, a tls-websocket-listener).
 */
export type Transport = { type: 'tcp' } | { type: 'websocket'; path: string };

export interface MqttCheckOptions {
  address: string;
  port: number;
  /** Default tcp. */
  transport?: Transport;
  host: string; // the certificate must cover this name
  ca: string;
  client?: ClientIdentity;
  protocolVersion: 4 | 5; // MQTT 3.1.1 or 5
  timeoutMs: number;
  /** Topic prefix; a random suffix keeps concurrent checks apart. */
  topicPrefix?: string;
}

export interface MqttCheckResult {
  connectMs: number;
  roundTripMs: number;
  topic: string;
}

export async function mqttRoundTrip(options: MqttCheckOptions): Promise<MqttCheckResult> {
  const topic = `${options.topicPrefix ?? 'deploy-tls/smoke'}/${randomBytes(6).toString('hex')}`;
  const started = performance.now();
  const client = await connect(options);
  try {
    const connectMs = Math.round(performance.now() - started);
    const payload = randomBytes(8).toString('hex');
    const sent = performance.now();
    const received = new Promise<void>((resolve) => {
      client.on('message', (t, message) => {
        if (t === topic && message.toString() === payload) resolve();
      });
    });
    await client.subscribeAsync(topic, { qos: 1 });
    await client.publishAsync(topic, payload, { qos: 1 });
    await withTimeout(received, options.timeoutMs, `no message back on ${topic}`);
    return { connectMs, roundTripMs: Math.round(performance.now() - sent), topic };
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}

/** Connects or fails with the underlying TLS/MQTT error; never retries. */
export function connect(options: MqttCheckOptions): Promise<MqttClient> {
  const client = mqtt.connect(clientOptions(options));
  return withTimeout(
    new Promise<MqttClient>((resolve, reject) => {
      client.once('connect', () => resolve(client));
      client.once('error', (error) => {
        client.end(true);
        reject(error);
      });
      client.once('close', () => reject(new Error('connection closed before CONNACK')));
    }),
    options.timeoutMs,
    `no CONNACK from ${options.address}:${options.port}`,
  ).catch((error) => {
    client.end(true);
    throw error;
  });
}

/**
 * mqtt.js options for either transport, with the same TLS checks. mqtt.js rewrites `servername`
 * for DNS hosts and sends no SNI for IPs: we connect to the address and check the certificate
 * against the node's name ourselves. Over wss, mqtt.js hands `wsOptions` to the ws package, which
 * passes them to https.request and on to tls.connect (and sends no SNI for an IP unless told).
 */
export function clientOptions(
  options: MqttCheckOptions,
): IClientOptions & Pick<ConnectionOptions, 'checkServerIdentity'> {
  const tls = {
    ca: options.ca,
    cert: options.client?.cert,
    key: options.client?.key,
    rejectUnauthorized: true,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(options.host, cert),
  };
  const common = {
    host: options.address,
    port: options.port,
    protocolVersion: options.protocolVersion,
    clientId: `deploy-tls-${randomBytes(6).toString('hex')}`,
    reconnectPeriod: 0,
    connectTimeout: options.timeoutMs,
  };
  const transport = options.transport ?? { type: 'tcp' };
  if (transport.type === 'tcp') return { ...common, ...tls, protocol: 'mqtts' }; // handed on to tls.connect
  return {
    ...common,
    protocol: 'wss',
    hostname: options.address,
    path: transport.path,
    // ws's own typing of checkServerIdentity is narrower than the tls.connect one it passes it to.
    wsOptions: {
      ...tls,
      ...(isIP(options.host) ? {} : { servername: options.host }),
    } as IClientOptions['wsOptions'],
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
