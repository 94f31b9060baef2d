// mqtt.js round trips: subscribe, publish QoS 1, wait for the message, all with timeouts.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export async function connect(
  url: string,
  options: IClientOptions = {},
  timeoutMs = 10_000,
): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: timeoutMs, ...options });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error(`connection to ${url} closed before CONNACK`)));
    });
    return client;
  } catch (error) {
    client.end(true);
    throw error;
  }
}

/** Resolves with the first payload on `topic`; rejects after `timeoutMs`. */
export function nextMessage(client: MqttClient, topic: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no message on ${topic} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.on('message', (received, payload) => {
      if (received !== topic) return;
      clearTimeout(timer);
      resolve(payload.toString());
    });
  });
}

/** One client subscribes, another publishes with QoS 1; returns what the subscriber received. */
export async function roundTrip(url: string, topic: string, payload: string, options: IClientOptions = {}) {
  const subscriber = await connect(url, options);
  const publisher = await connect(url, options);
  try {
    await subscriber.subscribeAsync(topic, { qos: 1 });
    const received = nextMessage(subscriber, topic);
    await publisher.publishAsync(topic, payload, { qos: 1 });
    return await received;
  } finally {
    await Promise.all([subscriber.endAsync(), publisher.endAsync()]);
  }
}
