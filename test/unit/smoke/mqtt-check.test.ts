// The mqtt.js options for each transport: the same TLS checks over mqtts:// and wss://.
import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { checkLabel, effectiveProtocols } from '../../../src/smoke/matrix.js';
import { clientOptions, type MqttCheckOptions } from '../../../src/smoke/mqtt-check.js';

const base: MqttCheckOptions = {
  address: '10.0.0.11',
  port: 8883,
  host: 'broker1.example.com',
  ca: 'CA PEM',
  client: { cert: 'CERT PEM', key: 'KEY PEM' },
  protocolVersion: 5,
  timeoutMs: 5_000,
};
const peer = (dns: string) =>
  ({ subject: { CN: dns }, subjectaltname: `DNS:${dns}` }) as unknown as PeerCertificate;

describe('clientOptions', () => {
  it('mqtts:// by default, TLS options at the top level as mqtt.js hands them to tls.connect', () => {
    const options = clientOptions(base);
    expect(options).toMatchObject({
      protocol: 'mqtts',
      host: '10.0.0.11',
      port: 8883,
      ca: 'CA PEM',
      cert: 'CERT PEM',
    });
    expect(options.wsOptions).toBeUndefined();
    expect(options.rejectUnauthorized).toBe(true);
    expect(options.checkServerIdentity?.('10.0.0.11', peer('broker1.example.com'))).toBeUndefined();
    expect(options.checkServerIdentity?.('10.0.0.11', peer('other.example.com'))).toBeInstanceOf(Error);
  });

  it('wss://address:port/path with the same TLS options for ws, SNI naming the node', () => {
    const options = clientOptions({ ...base, port: 8443, transport: { type: 'websocket', path: '/mqtt' } });
    expect(options).toMatchObject({ protocol: 'wss', hostname: '10.0.0.11', port: 8443, path: '/mqtt' });
    expect(options.wsOptions).toMatchObject({
      ca: 'CA PEM',
      cert: 'CERT PEM',
      key: 'KEY PEM',
      rejectUnauthorized: true,
      servername: 'broker1.example.com',
    });
    const check = (options.wsOptions as { checkServerIdentity: (h: string, c: PeerCertificate) => unknown })
      .checkServerIdentity;
    expect(check('10.0.0.11', peer('other.example.com'))).toBeInstanceOf(Error);
    // No SNI for an IP name (RFC 6066 §3 allows only DNS host names there).
    const byIp = clientOptions({ ...base, host: '10.0.0.11', transport: { type: 'websocket', path: '/' } });
    expect(byIp.wsOptions).not.toHaveProperty('servername');
  });
});

describe('checkLabel', () => {
  it('keeps the tcp names and marks websocket checks with their path', () => {
    expect(checkLabel('mTLS MQTT 5 round trip', {})).toBe('mTLS MQTT 5 round trip');
    expect(checkLabel('mTLS MQTT 5 round trip', { transport: { type: 'websocket', path: '/mqtt' } })).toBe(
      'mTLS MQTT 5 round trip (wss /mqtt)',
    );
  });

  it("names the listener when a node has several, so each listener's checks stay apart", () => {
    expect(checkLabel('TLS 1.0 refused', { listener: 'secure-listener', transport: { type: 'tcp' } })).toBe(
      'TLS 1.0 refused (secure-listener)',
    );
    expect(
      checkLabel('TLS 1.0 refused', {
        listener: 'secure-websocket-listener',
        transport: { type: 'websocket', path: '/mqtt' },
      }),
    ).toBe('TLS 1.0 refused (secure-websocket-listener, wss /mqtt)');
  });
});

describe('effectiveProtocols', () => {
  it("reads no <protocols> as the JVM's defaults HiveMQ keeps: TLS 1.3 and 1.2", () => {
    expect(effectiveProtocols([])).toEqual(['TLSv1.3', 'TLSv1.2']);
    expect(effectiveProtocols(['TLSv1.3'])).toEqual(['TLSv1.3']);
  });
});
