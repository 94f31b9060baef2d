// deployments.jsonl in the CA directory: which serial went to which node, when, and how its
// checks went. Append-only, one JSON object a line, so `tail` and `jq` read it.
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LedgerEntry {
  time: string;
  node: string;
  serial: string;
  sans: string[];
  notAfter: string;
  action: 'restart' | 'hot-reload' | 'none';
  result: 'deployed' | 'rolled-back';
  handshakeMs?: number;
  roundTripMs?: number;
  error?: string;
}

export const LEDGER_FILE = 'deployments.jsonl';

export async function appendLedger(caDir: string, entry: LedgerEntry): Promise<void> {
  await appendFile(join(caDir, LEDGER_FILE), `${JSON.stringify(entry)}\n`, { mode: 0o644 });
}

export async function readLedger(caDir: string): Promise<LedgerEntry[]> {
  const text = await readFile(join(caDir, LEDGER_FILE), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LedgerEntry);
}

/** Per node (or `client:<name>`), the last certificate the ledger records as deployed there. */
export function lastDeployed(entries: readonly LedgerEntry[]): Map<string, LedgerEntry> {
  const latest = new Map<string, LedgerEntry>();
  for (const entry of entries) if (entry.result === 'deployed') latest.set(entry.node, entry);
  return latest;
}
