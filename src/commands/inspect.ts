// `deploy-tls inspect TARGET`: the work is in src/inspect; this binds it to the process's clock.
import { type InspectOptions, type InspectReport, inspect } from '../inspect/inspect.js';
import type { Secret } from '../secret.js';

export type { InspectReport };

export function inspectTarget(
  options: InspectOptions,
  deps: { password(): Promise<Secret>; now(): Date },
): Promise<InspectReport> {
  return inspect(options, deps);
}
