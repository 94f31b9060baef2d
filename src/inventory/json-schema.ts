// inventory.schema.json, generated from the zod schema so editors and the loader never disagree.
import { z } from 'zod';
import { inventorySchema } from './schema.js';

export function inventoryJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(inventorySchema, { io: 'input' }),
    title: 'deploy-tls inventory',
  };
}
