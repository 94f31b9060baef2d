// Writes inventory.schema.json at the repository root (a unit test checks it is current).
import { writeFileSync } from 'node:fs';
import { inventoryJsonSchema } from '../src/inventory/json-schema.js';

writeFileSync(
  new URL('../inventory.schema.json', import.meta.url),
  `${JSON.stringify(inventoryJsonSchema(), null, 2)}\n`,
);
