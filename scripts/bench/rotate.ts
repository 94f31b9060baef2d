// npm run bench:rotate -- --nodes 20 [--runs 3]
// `deploy-tls rotate --force` as whole processes on the sandbox's real HiveMQ nodes, in one run:
// one node, then N nodes with --batch 100% (all at once), then N nodes with rotate's default
// 1,100% (a canary, then the rest). Each node waits for HiveMQ's 10-second keystore re-hash, whose
// phase differs per broker, so one node waits 0–10 s and N nodes about as long as the slowest.
// Needs the sandbox up with at least N nodes (npm run sandbox -- up --nodes N); the first run rolls
// TLS out to them (one restart each) when they have none.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { sandboxLayout } from '../sandbox/layout.js';
import { childCpuSeconds, loadLine, median, ratioLine, secs } from './stats.js';

const TARGET_ALL = 1.5; // issue #13: N nodes with --batch 100% within 1.5x of one node
const TARGET_CANARY = 2.5; // issue #13: N nodes with 1,100% within 2.5x of one node

const { values } = parseArgs({
  options: { nodes: { type: 'string', default: '20' }, runs: { type: 'string', default: '3' } },
});
const count = Number(values.nodes);
const runs = Number(values.runs);
if (!Number.isInteger(count) || count < 2 || !Number.isInteger(runs) || runs < 1) {
  throw new Error('--nodes takes a whole number of 2 or more, --runs a positive whole number');
}

const BIN = fileURLToPath(new URL('../../dist/cli/bin.cjs', import.meta.url));
const layout = sandboxLayout();
if (!existsSync(layout.inventory)) throw new Error(`no sandbox: run npm run sandbox -- up --nodes ${count}`);
const doc = parse(readFileSync(layout.inventory, 'utf8')) as { nodes: unknown[]; clients?: unknown[] };
if (doc.nodes.length < count) {
  throw new Error(`the sandbox has ${doc.nodes.length} nodes: run npm run sandbox -- up --nodes ${count}`);
}
// The first N nodes and no client bundles: every case renews node certificates only.
const inventory = path.join(layout.state, `bench-rotate-${count}.yaml`);
writeFileSync(inventory, stringify({ ...doc, nodes: doc.nodes.slice(0, count), clients: [] }));

const run = promisify(execFile);
async function deployTls(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [BIN, ...args], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `deploy-tls ${args.join(' ')} failed: ${failed.stderr || failed.message}\n${failed.stdout ?? ''}`,
    );
  }
}

/** Wall and CPU time of one `rotate --force`; every node it selects must be renewed without a restart. */
async function rotation(args: string[], nodes: number): Promise<{ seconds: number; cpu: number }> {
  const start = performance.now();
  const cpu = childCpuSeconds();
  const stdout = await deployTls(['rotate', '--inventory', inventory, '--force', '--json', ...args]);
  const seconds = (performance.now() - start) / 1000;
  const report = JSON.parse(stdout) as { nodes: { status: string; action: string }[] };
  const renewed = report.nodes.filter((n) => n.status === 'deployed' && n.action === 'hot-reload').length;
  if (renewed !== nodes) throw new Error(`${renewed} of ${nodes} nodes renewed by a hot reload:\n${stdout}`);
  return { seconds, cpu: childCpuSeconds() - cpu };
}

const pki = parse(readFileSync(layout.inventory, 'utf8')).ca.dir as string;
if (!existsSync(path.join(pki, 'intermediate'))) await deployTls(['ca', 'init', '--inventory', inventory]);
console.log(`bench:rotate: rotate --force, 1 node vs ${count} nodes, ${runs} runs; node ${process.version}`);
console.log(`before: ${loadLine(true)}`);
await deployTls(['--inventory', inventory, '--batch', '100%', '--json']); // TLS on every node first

const cases = {
  one: { label: '1 node', run: () => rotation(['--limit', 'broker1'], 1) },
  all: { label: `${count} nodes, --batch 100%`, run: () => rotation(['--batch', '100%'], count) },
  canary: { label: `${count} nodes, default 1,100%`, run: () => rotation([], count) },
};
type CaseId = keyof typeof cases;
const times: Record<CaseId, number[]> = { one: [], all: [], canary: [] };
const cpu: Record<CaseId, number[]> = { one: [], all: [], canary: [] };
for (let r = 1; r <= runs; r++) {
  const line: string[] = [];
  for (const id of Object.keys(cases) as CaseId[]) {
    const t = await cases[id].run();
    times[id].push(t.seconds);
    cpu[id].push(t.cpu);
    line.push(`${cases[id].label} ${t.seconds.toFixed(1)} s`);
  }
  console.log(`run ${r}/${runs}: ${line.join(', ')}; ${loadLine(false)}`);
}
console.log(`after: ${loadLine(false)} (this benchmark included)\n`);
// CPU: deploy-tls's own CPU time (user + system), which a busy machine does not stretch.
console.log(`${''.padEnd(30)}   median       min       max   CPU (median)`);
for (const id of Object.keys(cases) as CaseId[]) {
  const xs = times[id];
  const row = `${secs(median(xs))} ${secs(Math.min(...xs))} ${secs(Math.max(...xs))}`;
  console.log(`${cases[id].label.padEnd(30)}${row} ${secs(median(cpu[id]))}`);
}
const one = median(times.one);
console.log('');
console.log(ratioLine(`${count} nodes --batch 100% / 1 node`, median(times.all) / one, TARGET_ALL));
console.log(ratioLine(`${count} nodes 1,100% / 1 node`, median(times.canary) / one, TARGET_CANARY));
