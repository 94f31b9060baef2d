import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../../src/errors.js';
import { parseInventory } from '../../../src/inventory/load.js';

const env = { HOME: '/home/ops' };

const GOOD = `ca:
  dir: ./pki
  password: { env: DEPLOY_TLS_CA_PASSWORD }
  subject: { C: DE, O: Example }
defaults:
  ssh: { user: deploy, become: true }
  hivemq: { edition: community }
  tls: { listener: { port: 8884 } }
clients:
  - name: mqtt-client
nodes:
  - name: broker1
    host: broker1.example.com
    address: 10.0.0.11
  - name: broker2
    host: broker2.example.com
    sans: [DNS:broker2.example.com, IP:10.0.0.12]
    ssh: { port: 2222, become: false }
    tls: { listener: { bindAddress: 10.0.0.12 } }
`;

function problemsOf(text: string): string[] {
  try {
    parseInventory(text, 'prod.yaml', env);
  } catch (error) {
    if (error instanceof InventoryError)
      return error.problems.map((p) => `${p.location} ${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected the inventory to be refused');
}

describe('inventory', () => {
  it('merges built-in defaults, file defaults and node overrides, deepest wins', () => {
    const inventory = parseInventory(GOOD, '/srv/deploy/prod.yaml', env);
    const [one, two] = inventory.nodes;
    expect(inventory.ca.dir).toBe('/srv/deploy/pki');
    expect(one?.ssh).toEqual({
      user: 'deploy',
      port: 22,
      privateKey: '/home/ops/.ssh/id_ed25519',
      knownHosts: '/home/ops/.ssh/known_hosts',
      become: true,
      agent: false,
    });
    expect(two?.ssh.port).toBe(2222);
    expect(two?.ssh.become).toBe(false);
    expect(one?.tls.listener).toEqual({ name: 'secure-listener', port: 8884, bindAddress: '0.0.0.0' });
    expect(two?.tls.listener).toEqual({ name: 'secure-listener', port: 8884, bindAddress: '10.0.0.12' });
    expect(one?.hivemq.edition).toBe('community');
    expect(one?.hivemq.restart).toBe('systemctl restart hivemq');
    expect(inventory.clients).toEqual([
      {
        name: 'mqtt-client',
        key: 'rsa-2048',
        days: undefined,
        out: '/srv/deploy/clients/mqtt-client',
        password: { env: 'HIVEMQ_KEYSTORE_PASSWORD' },
      },
    ]);
  });

  it('without sans, a node gets its host and its IP address', () => {
    const [one] = parseInventory(GOOD, 'prod.yaml', env).nodes;
    expect(one?.address).toBe('10.0.0.11');
    expect(one?.sans).toEqual([
      { type: 'dns', value: 'broker1.example.com' },
      { type: 'ip', value: '10.0.0.11' },
    ]);
  });

  it('reports every problem at once, each with file:line:col and path', () => {
    const text = `ca:
  dir: ./pki
  password: changeme
nodes:
  - name: broker1
    host: broker1.example.com
    sans: [DNS:other.example.com, "DNS:broker 2"]
    ssh: { port: 70000, colour: blue }
  - name: broker1
    host: b.example.com
`;
    expect(problemsOf(text)).toEqual([
      'prod.yaml:3:13 ca.password: a password written inline: refuse to keep secrets in the inventory',
      'prod.yaml:8:18 nodes[0].ssh.port: a port is 1..65535',
      'prod.yaml:8:25 nodes[0].ssh.colour: unknown key "colour"',
    ]);
  });

  it('after the shape is right, reports duplicate names, bad SANs and a SAN list missing the host', () => {
    const text = `ca: { dir: ./pki, password: { file: ./ca.pass } }
nodes:
  - name: broker1
    host: broker1.example.com
    sans: [DNS:other.example.com, "DNS:broker 2"]
  - name: broker1
    host: b.example.com
    sans: [DNS:c.example.com]
`;
    expect(problemsOf(text)).toEqual([
      'prod.yaml:5:35 nodes[0].sans[1]: "broker 2" is not a DNS name',
      'prod.yaml:6:11 nodes[1].name: duplicate node name "broker1" (also nodes[0])',
      'prod.yaml:8:11 nodes[1].sans: does not cover host "b.example.com": clients verify that name (add DNS:b.example.com)',
    ]);
  });

  it('points at YAML syntax errors', () => {
    expect(problemsOf('ca:\n  dir: [unclosed\nnodes: []\n')[0]).toMatch(/^prod\.yaml:\d+:\d+ : /);
  });

  it('needs at least one node', () => {
    expect(problemsOf('ca: { dir: ./pki, password: { env: X } }\nnodes: []\n')).toEqual([
      'prod.yaml:2:8 nodes: an inventory needs at least one node',
    ]);
  });
});
