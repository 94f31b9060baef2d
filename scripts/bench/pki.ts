// npm run bench:pki -- --nodes 20 [--runs 3]
// Times, in one run and on the same machine: (A) deploy-tls building a CA, the node keystores and
// a client bundle in this process; (B) the HiveMQ article's openssl/keytool procedure for the same
// PKI; (C) generating the same RSA keys and nothing else; (D) the deploy-tls CLI doing what A does
// as an operator would, `ca init` then `issue --inventory`. RSA key generation time varies a lot
// from key to key (it searches for primes), so each figure is a median over runs, with min and max.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Secret } from '../../src/secret.js';
import { article, bareKeys, cliBatch, ours, type Workload } from './workloads.js';

const TARGET_VS_ARTICLE = 6; // issue #2: at least 6x faster than the article's procedure
const TARGET_VS_KEYS = 1.5; // issue #2: within 1.5x of bare key generation
const TARGET_BATCH_VS_ARTICLE = 4; // issue #13: issue --inventory at least 4x faster than the article

const { values } = parseArgs({
  options: { nodes: { type: 'string', default: '20' }, runs: { type: 'string', default: '3' } },
});
const nodes = Number(values.nodes);
const runs = Number(values.runs);
if (!Number.isInteger(nodes) || nodes < 1 || !Number.isInteger(runs) || runs < 1) {
  throw new Error('--nodes and --runs take positive whole numbers');
}

const cases = [
  { id: 'A', label: 'deploy-tls, in process', run: ours },
  { id: 'B', label: "the article's procedure (openssl, keytool)", run: article },
  { id: 'C', label: 'bare key generation, all cores', run: bareKeys },
  { id: 'D', label: 'deploy-tls CLI: ca init + issue --inventory', run: cliBatch },
] as const;
type CaseId = (typeof cases)[number]['id'];

async function timed(work: (w: Workload) => Promise<void>): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'deploy-tls-bench-'));
  const password = new Secret(randomBytes(12).toString('hex'), 'generated');
  try {
    const start = performance.now();
    await work({ dir, nodes, password });
    return (performance.now() - start) / 1000;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The first line a tool prints about its version; `java -version` prints it on stderr. */
function versionOf(command: string, args: string[]): string {
  const { stdout, stderr } = spawnSync(command, args, { encoding: 'utf8' });
  return `${stdout ?? ''}${stderr ?? ''}`.split('\n')[0] || `${command}: not found`;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const secs = (x: number) => `${x.toFixed(2)} s`.padStart(9);

/** Other work on the machine skews every figure here: say how busy it was before we started. */
function load(before: boolean): string {
  const one = loadavg()[0] ?? 0;
  const busy = before && one > availableParallelism() / 2 ? ' (busy: expect noisy figures)' : '';
  return `load average ${one.toFixed(2)}${busy}`;
}

const times: Record<CaseId, number[]> = { A: [], B: [], C: [], D: [] };
console.log(
  `bench:pki: CA (2 × RSA-4096) + ${nodes} node keystores + 1 client bundle (RSA-2048), ${runs} runs`,
);
console.log(
  `machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? '?'}), node ${process.version} ` +
    `(OpenSSL ${process.versions.openssl}, libuv pool ${process.env.UV_THREADPOOL_SIZE ?? 4} here and ${Math.max(4, availableParallelism())} in the CLI), ` +
    `${versionOf('openssl', ['version'])}, ${versionOf('java', ['-version'])}`,
);
console.log(`before: ${load(true)}`);
for (let r = 1; r <= runs; r++) {
  const line: string[] = [];
  for (const c of cases) {
    const t = await timed(c.run);
    times[c.id].push(t);
    line.push(`${c.id} ${t.toFixed(2)} s`);
  }
  console.log(`run ${r}/${runs}: ${line.join('  ')}`);
}
console.log(`after: ${load(false)} (this benchmark included)`);

console.log(`\n${''.padEnd(48)}   median       min       max`);
for (const c of cases) {
  const xs = times[c.id];
  const row = `${c.id}  ${c.label}`.padEnd(48);
  console.log(`${row}${secs(median(xs))} ${secs(Math.min(...xs))} ${secs(Math.max(...xs))}`);
}
const [a, b, c, d] = (['A', 'B', 'C', 'D'] as const).map((id) => median(times[id])) as [
  number,
  number,
  number,
  number,
];
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
console.log(
  `\nB/A ${(b / a).toFixed(1)}x faster than the article ` +
    `(target >= ${TARGET_VS_ARTICLE}x: ${verdict(b / a >= TARGET_VS_ARTICLE)}; ` +
    `B/C ${(b / c).toFixed(1)}x is the ceiling, since A generates the same keys)`,
);
console.log(
  `A/C ${(a / c).toFixed(2)}x the bare key generation ` +
    `(target <= ${TARGET_VS_KEYS}x: ${verdict(a / c <= TARGET_VS_KEYS)})`,
);
console.log(
  `B/D ${(b / d).toFixed(1)}x: issue --inventory (two processes) against the article ` +
    `(target >= ${TARGET_BATCH_VS_ARTICLE}x: ${verdict(b / d >= TARGET_BATCH_VS_ARTICLE)}); ` +
    `D/C ${(d / c).toFixed(2)}x the key-generation floor`,
);
