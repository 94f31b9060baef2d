import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseInventory } from '../../../src/inventory/load.js';

it('inventory.example.yaml is a valid inventory', () => {
  const text = readFileSync(new URL('../../../inventory.example.yaml', import.meta.url), 'utf8');
  const inventory = parseInventory(text, 'inventory.example.yaml', { HOME: '/home/ops' });
  expect(inventory.nodes.map((n) => n.name)).toEqual(['broker1', 'broker2', 'broker3']);
  expect(inventory.nodes[1]?.ssh).toMatchObject({ user: 'deploy', become: true, transport: 'builtin' });
  expect(inventory.nodes[2]?.ssh).toMatchObject({
    proxyJump: 'ops@bastion.example.com',
    becomePassword: { env: 'SUDO_PASSWORD' },
  });
  expect(inventory.nodes[1]?.sans.map((s) => s.value)).toEqual(['broker2.example.com', '10.0.0.12']);
});
