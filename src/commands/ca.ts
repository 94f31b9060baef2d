// `ca init` and `ca show`.
import { type CaSummary, caLayout, initCa, inspectCa, type Subject } from '../pki/index.js';
import type { Secret } from '../secret.js';

export async function caInit(options: { dir: string; subject: Subject; password: Secret; now: Date }) {
  const layout = await initCa(options);
  return inspectCa(layout.dir, options.now);
}

export async function caShow(options: { dir: string; now: Date }): Promise<CaSummary> {
  return inspectCa(caLayout(options.dir).dir, options.now);
}
