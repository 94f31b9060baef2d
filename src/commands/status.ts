// `deploy-tls status`: per node what is deployed, what is served and how long it lasts; the CA's
// own days left. Read-only: one SSH probe and one TLS handshake per node.

import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gatherNodeFacts } from '../facts/gather.js';
import { readTlsListener } from '../hivemq/config.js';
import type { Inventory } from '../inventory/load.js';
import { readCaCertificates } from '../pki/ca.js';
import { caLayout, inspectCa } from '../pki/index.js';
import { type LedgerEntry, readLedger } from '../pki/ledger.js';
import type { Remote } from '../remote/remote.js';
import type { SshTarget } from '../remote/ssh.js';
import { classifyFailure } from '../smoke/classify.js';
import { probeTls } from '../smoke/tls-probe.js';
import { type RendererName, runStage } from '../tasks/stage.js';
import { nodeContext, type SecretResolver } from './nodes.js';

const DAY_MS = 86_400_000;

export interface NodeStatusRow {
  node: string;
  serial?: string;
  sans: string[];
  notAfter?: string;
  daysLeft?: number;
  served?: string;
  servedIsRecorded: boolean;
  clientAuth?: string;
  listener: string; // "reachable" or the failure class
  lastChange?: { time: string; result: string; action: string };
  problem?: string;
}

export interface StatusReport {
  nodes: NodeStatusRow[];
  intermediateDaysLeft: number;
  rootDaysLeft: number;
  warnings: string[];
}

export async function status(
  options: { inventory: Inventory; concurrency: number; renderer: RendererName; acceptNewHostKeys: boolean },
  deps: { connect(target: SshTarget): Promise<Remote>; resolveSecret: SecretResolver; now(): Date },
): Promise<StatusReport> {
  const { inventory } = options;
  const now = deps.now();
  const layout = caLayout(inventory.ca.dir);
  const ca = await inspectCa(layout.dir, now);
  const { intermediate } = await readCaCertificates(layout);
  const intermediateX509 = new X509Certificate(intermediate.toString('pem'));
  const caPem = `${await readFile(layout.intermediateCert, 'utf8')}\n${await readFile(layout.rootCert, 'utf8')}`;
  const ledger = await readLedger(layout.dir);
  const outcomes = await runStage(
    'Read node status',
    inventory.nodes.map((node) => ({
      title: node.name,
      run: async (): Promise<NodeStatusRow> => {
        const ctx = await nodeContext(node, deps.resolveSecret, options.acceptNewHostKeys);
        const remote = await deps.connect(ctx.ssh);
        try {
          const facts = await gatherNodeFacts(
            remote,
            ctx.paths,
            node.tls.keystore.format,
            {
              store: ctx.passwords.store.reveal(),
              key: ctx.passwords.key.reveal(),
              truststore: ctx.passwords.truststore.reveal(),
            },
            intermediateX509,
          );
          const cert = facts.keystore.certificate;
          const listener = facts.configXml
            ? readTlsListener(facts.configXml, node.tls.listener.name)
            : undefined;
          const served = await probeTls({
            address: node.address,
            port: node.tls.listener.port,
            host: node.host,
            ca: caPem,
            timeoutMs: 5_000,
          })
            .then((s) => ({ serial: s.serial, listener: 'reachable' }))
            .catch((error) => ({ serial: undefined, listener: classifyFailure(error).class }));
          const recorded = lastFor(ledger, node.name);
          return {
            node: node.name,
            serial: cert?.serial,
            sans: cert?.sans ?? [],
            notAfter: cert?.notAfter.toISOString(),
            daysLeft: cert ? Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS) : undefined,
            served: served.serial,
            servedIsRecorded: served.serial !== undefined && served.serial === recorded?.serial,
            clientAuth: listener?.clientAuthenticationMode,
            listener: served.listener,
            lastChange: recorded
              ? { time: recorded.time, result: recorded.result, action: recorded.action }
              : undefined,
            problem: facts.keystore.problem,
          };
        } finally {
          await remote.close();
        }
      },
    })),
    { concurrency: options.concurrency, stopOnError: false, renderer: options.renderer },
  );
  const nodes = outcomes.map(
    (outcome, i): NodeStatusRow =>
      outcome.status === 'ok'
        ? outcome.value
        : {
            node: inventory.nodes[i]?.name ?? '?',
            sans: [],
            servedIsRecorded: false,
            listener: 'unknown',
            problem: outcome.status === 'failed' ? String((outcome.error as Error).message) : 'skipped',
          },
  );
  const warnings: string[] = [];
  const longestLeaf = Math.max(...inventory.nodes.map((n) => n.tls.days));
  if (ca.intermediate.daysLeft < longestLeaf) {
    warnings.push(
      `the intermediate expires in ${ca.intermediate.daysLeft} days, before a ${longestLeaf}-day certificate issued now would: roll over to a new intermediate`,
    );
  }
  for (const row of nodes) {
    if (row.served && !row.servedIsRecorded)
      warnings.push(`${row.node} serves ${row.served}, which the ledger does not record as deployed there`);
  }
  return { nodes, intermediateDaysLeft: ca.intermediate.daysLeft, rootDaysLeft: ca.root.daysLeft, warnings };
}

function lastFor(ledger: LedgerEntry[], node: string): LedgerEntry | undefined {
  return ledger.filter((entry) => entry.node === node && entry.result === 'deployed').at(-1);
}
