import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../src/smoke/classify.js';

// Codes and messages as Node 20 (OpenSSL 3) and mqtt.js report them against HiveMQ.
describe('classifyFailure', () => {
  it.each([
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND broker9.example.com' }, 'name-resolution'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.1.1:8883' }, 'unreachable'],
    [new Error('no CONNACK from 127.0.1.1:8883 within 10000 ms'), 'timeout'],
    [{ code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }, 'tls-expired'],
    [
      { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" },
      'tls-name-mismatch',
    ],
    [
      { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' },
      'tls-unknown-ca',
    ],
    [
      { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', message: 'sslv3 alert bad certificate' },
      'tls-client-cert-refused',
    ],
    [
      { code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', message: 'SSL alert number 46' },
      'tls-client-cert-refused',
    ],
    [
      { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', message: 'tlsv13 alert certificate required' },
      'tls-client-cert-refused',
    ],
    [
      { code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', message: 'tlsv1 alert protocol version' },
      'tls-protocol-version',
    ],
    [new Error('Connection refused: Not authorized'), 'mqtt-refused'],
  ])('%j is %s', (error, expected) => {
    const classified = classifyFailure(error);
    expect(classified.class).toBe(expected);
    expect(classified.hint.length).toBeGreaterThan(10);
  });
});
