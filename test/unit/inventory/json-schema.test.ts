import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { inventoryJsonSchema } from '../../../src/inventory/json-schema.js';

it('inventory.schema.json is generated from the current schema (npm run schema)', () => {
  const committed = JSON.parse(
    readFileSync(new URL('../../../inventory.schema.json', import.meta.url), 'utf8'),
  );
  expect(committed).toEqual(inventoryJsonSchema());
  expect(committed.required).toEqual(['ca', 'nodes']);
});
