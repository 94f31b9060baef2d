import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/clock.js';
import { CONFIG_FALLBACK, listenerStartedLine, startOutcome } from '../../../src/hivemq/service.js';
import {
  connectPacket,
  parseConnack,
  plainMqttEndpoints,
  waitUntilAnswering,
} from '../../../src/smoke/readiness.js';

describe('the MQTT knock', () => {
  it('is a valid MQTT 3.1.1 CONNECT with the client id', () => {
    const packet = connectPacket('deploy-tls-ready-1');
    expect([...packet.subarray(0, 12)]).toEqual([
      0x10,
      packet.length - 2,
      0,
      4,
      0x4d,
      0x51,
      0x54,
      0x54,
      4,
      2,
      0,
      10,
    ]);
    expect(packet.readUInt16BE(12)).toBe(18);
    expect(packet.subarray(14).toString()).toBe('deploy-tls-ready-1');
  });

  it('counts any CONNACK as an answer, and nothing else', () => {
    expect(parseConnack(Uint8Array.of(0x20, 2, 0, 0))).toBe(0);
    expect(parseConnack(Uint8Array.of(0x20, 2, 0, 5))).toBe(5); // not authorized: still a running broker
    expect(parseConnack(Uint8Array.of(0x16, 3, 1, 0))).toBeUndefined(); // a TLS record
    expect(parseConnack(Buffer.from('HTTP/1.1 400'))).toBeUndefined();
    expect(parseConnack(Uint8Array.of(0x20, 2))).toBeUndefined();
  });
});

describe('plainMqttEndpoints', () => {
  it("knocks at the node's address for wildcard binds, skips websocket listeners", () => {
    expect(
      plainMqttEndpoints(
        [
          { type: 'tcp', port: 1883, bindAddress: '0.0.0.0' },
          { type: 'tcp', port: 1884, bindAddress: '10.0.0.99' },
          { type: 'websocket', port: 8000, bindAddress: '0.0.0.0' },
        ],
        '10.0.0.11',
      ),
    ).toEqual([
      { address: '10.0.0.11', port: 1883 },
      { address: '10.0.0.99', port: 1884 },
    ]);
  });
});

describe('startOutcome', () => {
  it('reads a start from the log text since the restart', () => {
    expect(startOutcome('… Started HiveMQ in 3269ms\n')).toBe('started');
    expect(startOutcome('… Started EmbeddedHiveMQ in 3269ms\n')).toBe('started');
    expect(startOutcome('… Starting HiveMQ\n')).toBe('not-yet');
    // CE logs the fallback and then starts on its defaults: that is no good start.
    expect(
      startOutcome(
        `Could not read the configuration file /opt/hivemq/conf/config.xml. ${CONFIG_FALLBACK}\nStarted HiveMQ in 80ms`,
      ),
    ).toBe('fell-back-to-defaults');
  });

  it("spells listener start lines as HiveMQ's StartupListenerVerifier does", () => {
    expect(listenerStartedLine({ kind: 'tls-tcp', bindAddress: '127.0.1.1', port: 8883 })).toBe(
      'Started TCP Listener with TLS on address 127.0.1.1 and on port 8883.',
    );
  });
});

/** A clock that jumps: waiting costs the test nothing. */
function jumpingClock(): Clock {
  let now = 0;
  return {
    now: () => new Date(now),
    sleep: async (ms) => {
      now += ms;
    },
  };
}

describe('waitUntilAnswering', () => {
  it('resolves with the first signal that answers, and lets a failed start end the wait', async () => {
    let calls = 0;
    const late = { name: 'late', check: async () => ++calls > 2 };
    expect(
      await waitUntilAnswering([{ name: 'never', check: async () => false }, late], 5_000, jumpingClock()),
    ).toBe('late');
    const failed = {
      name: 'log',
      check: async () => {
        throw new Error('fell back');
      },
    };
    await expect(waitUntilAnswering([failed], 5_000, jumpingClock())).rejects.toThrow('fell back');
    await expect(waitUntilAnswering([], 1_000, jumpingClock())).rejects.toThrow(/nothing to wait for/);
  });

  it('gives up after its timeout, naming what it waited for', async () => {
    await expect(
      waitUntilAnswering([{ name: 'MQTT on 10.0.0.11:1883', check: async () => false }], 600, jumpingClock()),
    ).rejects.toThrow(/did not answer within 0.6 s \(MQTT on 10.0.0.11:1883\)/);
  });
});
