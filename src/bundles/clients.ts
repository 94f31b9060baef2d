// The inventory's client bundles (applications' certificates): written when missing, renewed when
// due, re-issued when another intermediate issues now (after a rollover). Kept on the control host
// in each client's `out` folder; the ledger records every new one as `client:<name>`.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type HookRunner, hookOutcome, hookSummary } from '../alerts/hooks.js';
import type { Clock } from '../clock.js';
import { InputError } from '../errors.js';
import type { InventoryClient } from '../inventory/load.js';
import { storePasswords } from '../keystore/index.js';
import type { CertificateAuthority } from '../pki/index.js';
import { appendLedger } from '../pki/ledger.js';
import { renewalReason } from '../pki/renewal.js';
import type { SecretResolver } from '../secret.js';
import { issueClientBundle } from './issue.js';

export interface ClientBundleResult {
  name: string;
  status: 'issued' | 'unchanged';
  reason?: string;
  serial: string;
  out: string;
  /** Of a bundle issued now: its end and its files. */
  notAfter?: string;
  files?: string[];
  /** How the client's onRenew command ended, when it has one and the bundle was renewed. */
  onRenew?: { ok: boolean; outcome: string };
}

export interface ClientBundlePlan {
  client: InventoryClient;
  /** Why a new bundle is due; undefined when the current one stays. */
  reason?: string;
  serial?: string;
}

/** The bundle's certificate as its cert.pem holds it; undefined when there is no bundle yet. */
export async function readClientCertificate(client: InventoryClient): Promise<X509Certificate | undefined> {
  const path = join(client.out, `${client.name}.cert.pem`);
  const pem = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (pem === undefined) return undefined;
  try {
    return new X509Certificate(pem);
  } catch (cause) {
    throw new InputError(`${path} is not a PEM certificate`, {
      hint: 'delete it: the next rollout or rotate issues a new bundle',
      cause,
    });
  }
}

/** Which bundles are due, from the files alone: needs neither the CA lock nor its password. */
export async function planClientBundles(
  clients: readonly InventoryClient[],
  intermediate: X509Certificate,
  options: { now: Date; renewBefore: string; force: boolean },
): Promise<ClientBundlePlan[]> {
  return Promise.all(
    clients.map(async (client) => {
      const current = await readClientCertificate(client).catch(() => undefined);
      const reason = options.force
        ? 'forced (--force)'
        : dueReason(current, intermediate, options.now, options.renewBefore);
      return { client, reason, serial: current?.serialNumber.toUpperCase() };
    }),
  );
}

/** A bundle that is not issued (this run plans only, or stopped before the bundles). */
export function unchangedBundle(bundle: ClientBundlePlan): ClientBundleResult {
  return {
    name: bundle.client.name,
    status: 'unchanged',
    reason: bundle.reason,
    serial: bundle.serial ?? '-',
    out: bundle.client.out,
  };
}

/**
 * Issues the due bundles from the open CA and records each in the ledger; then runs the client's
 * onRenew command, so the application can load its new certificate. A failing command is reported
 * with the bundle and changes nothing: the bundle is issued and recorded either way.
 */
export async function issueClientBundles(
  ca: CertificateAuthority,
  plans: readonly ClientBundlePlan[],
  options: {
    resolveSecret: SecretResolver;
    runHook: HookRunner;
    now: Date;
    clock: Clock;
    /** The command that renews, for the hook's summary: "deploy", "rotate". */
    command: string;
  },
): Promise<ClientBundleResult[]> {
  const results: ClientBundleResult[] = [];
  for (const plan of plans) {
    const { client, reason } = plan;
    if (!reason) {
      results.push(unchangedBundle(plan));
      continue;
    }
    const password = await options.resolveSecret(client.password, `client ${client.name}: keystore password`);
    const issued = await issueClientBundle(ca, {
      name: client.name,
      keyType: client.key,
      days: client.days,
      format: 'jks',
      passwords: storePasswords('jks', { keystore: password }),
      out: client.out,
      now: options.now,
      plainKey: false,
      plainKeyBeside: client.plainKey,
    });
    await appendLedger(ca.layout.dir, {
      time: options.now.toISOString(),
      node: `client:${client.name}`,
      serial: issued.serial,
      sans: [],
      notAfter: issued.notAfter.toISOString(),
      action: 'none',
      result: 'deployed',
    });
    const result: ClientBundleResult = {
      name: client.name,
      status: 'issued',
      reason,
      serial: issued.serial,
      out: client.out,
      notAfter: issued.notAfter.toISOString(),
      files: issued.files,
    };
    if (client.onRenew) {
      const summary = hookSummary({
        command: options.command,
        event: 'client-renewed',
        ok: true,
        startedAt: options.now,
        finishedAt: options.clock.now(),
        clients: [{ ...result, notAfter: issued.notAfter.toISOString(), files: issued.files }],
      });
      const { argv, cwd } = client.onRenew;
      result.onRenew = hookOutcome(await options.runHook(argv, summary, { secrets: [password], cwd }));
    }
    results.push(result);
  }
  return results;
}

function dueReason(
  current: X509Certificate | undefined,
  intermediate: X509Certificate,
  now: Date,
  renewBefore: string,
): string | undefined {
  if (!current) return 'no bundle yet';
  if (!current.checkIssued(intermediate) || !current.verify(intermediate.publicKey))
    return 'issued by another intermediate';
  return renewalReason(
    { notBefore: new Date(current.validFrom), notAfter: new Date(current.validTo) },
    renewBefore,
    now,
  );
}
