// `issue node` and `issue client`: open the CA, issue, write the bundle locally.
import {
  type BundleRequest,
  type BundleResult,
  issueClientBundle,
  issueNodeBundle,
} from '../bundles/issue.js';
import { CertificateAuthority } from '../pki/index.js';
import type { Secret } from '../secret.js';

export interface CaAccess {
  caDir: string;
  caPassword: Secret;
  now: Date;
}

export function issueNode(
  options: CaAccess & BundleRequest & { sans: readonly string[] },
): Promise<BundleResult> {
  return withCa(options, 'issue node', (ca) => issueNodeBundle(ca, options));
}

export function issueClient(
  options: CaAccess & BundleRequest & { plainKey: boolean },
): Promise<BundleResult> {
  return withCa(options, 'issue client', (ca) => issueClientBundle(ca, options));
}

async function withCa<T>(
  access: CaAccess,
  command: string,
  work: (ca: CertificateAuthority) => Promise<T>,
): Promise<T> {
  const ca = await CertificateAuthority.open({
    dir: access.caDir,
    password: access.caPassword,
    command,
    now: access.now,
  });
  try {
    return await work(ca);
  } finally {
    await ca.close();
  }
}
