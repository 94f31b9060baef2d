// Choosing the test-bed fleet and its addresses: pure functions of the environment.
import { describe, expect, it } from 'vitest';
import { containerNet } from '../../../scripts/sandbox/containers/fleet.js';
import { parseFleetId, selectedFleetId } from '../../../scripts/sandbox/select.js';

describe('DEPLOY_TLS_FLEET', () => {
  it('names the namespace sandbox or a container fleet of a release; `container` is bookworm', () => {
    expect(parseFleetId('namespace')).toBe('namespace');
    expect(parseFleetId('container')).toBe('container:bookworm');
    expect(parseFleetId('container:trixie')).toBe('container:trixie');
    expect(selectedFleetId({ DEPLOY_TLS_FLEET: 'container:bullseye' })).toBe('container:bullseye');
  });

  it('refuses anything else, listing the choices', () => {
    expect(() => parseFleetId('container:buster')).toThrow(/not a fleet/);
    expect(() => parseFleetId('docker')).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => parseFleetId('x')).toThrow(
      expect.objectContaining({
        hint: 'use one of: namespace, container:bullseye, container:bookworm, container:trixie',
      }),
    );
  });
});

describe('container fleet addresses', () => {
  it('put each release of each checkout on a /24 of its own, away from namespace fleets (127.0.x)', () => {
    expect(containerNet('bookworm', {})).toBe('127.1.12');
    expect(containerNet('trixie', { DEPLOY_TLS_SANDBOX_NET: '127.0.4' })).toBe('127.4.13');
    expect(containerNet('bullseye', { DEPLOY_TLS_SANDBOX_NET: '127.0.4' })).toBe('127.4.11');
  });
});
