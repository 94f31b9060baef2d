// The openssl configuration files of a CA directory, rendered from templates/.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SUBJECT_FIELDS, type Subject } from './names.js';

// templates/ sits at the package root, two levels above both src/pki and dist/pki.
const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));

const OPENSSL_DN_NAMES: Record<(typeof SUBJECT_FIELDS)[number], string> = {
  C: 'countryName',
  ST: 'stateOrProvinceName',
  L: 'localityName',
  O: 'organizationName',
  OU: 'organizationalUnitName',
  CN: 'commonName',
  emailAddress: 'emailAddress',
};

export async function renderOpensslConfig(
  which: 'ca-openssl.cnf' | 'intermediate-openssl.cnf',
  dir: string,
  subject: Subject,
): Promise<string> {
  const template = await readFile(`${TEMPLATES}${which}`, 'utf8');
  const dn = SUBJECT_FIELDS.filter((field) => subject[field])
    .map((field) => `${OPENSSL_DN_NAMES[field].padEnd(24)}= ${subject[field]}`)
    .join('\n');
  return template.replaceAll('{{dir}}', dir).replaceAll('{{dn}}', dn);
}
