// Distinguished names in the three spellings we meet: our Subject object, the
// openssl one-line form ("/C=DE/O=Example/CN=x", also index.txt's), and x509's JSON form.
import type { JsonName } from '@peculiar/x509';
import { InputError } from '../errors.js';

/** Attribute order is the order of the certificate's RDNs, as in the article. */
export const SUBJECT_FIELDS = ['C', 'ST', 'L', 'O', 'OU', 'CN', 'emailAddress'] as const;
export type SubjectField = (typeof SUBJECT_FIELDS)[number];
export type Subject = Partial<Record<SubjectField, string>>;

const X509_NAME_KEY: Record<SubjectField, string> = {
  C: 'C',
  ST: 'ST',
  L: 'L',
  O: 'O',
  OU: 'OU',
  CN: 'CN',
  emailAddress: 'E',
};

export const DEFAULT_CA_SUBJECT: Subject = { O: 'deploy-tls', OU: 'Operations' };

export function toJsonName(subject: Subject): JsonName {
  return SUBJECT_FIELDS.filter((field) => subject[field]).map((field) => ({
    [X509_NAME_KEY[field]]: [subject[field] as string],
  }));
}

/** index.txt's and `openssl -subj`'s spelling. */
export function toOpensslDn(subject: Subject): string {
  return SUBJECT_FIELDS.filter((field) => subject[field])
    .map((field) => `/${field}=${subject[field]}`)
    .join('');
}

/** Parses "/C=DE/O=Example" or "C=DE, O=Example" (no escaping: neither separator may occur in a value). */
export function parseSubject(text: string, where = 'subject'): Subject {
  const trimmed = text.trim();
  const parts = trimmed.startsWith('/') ? trimmed.slice(1).split('/') : trimmed.split(',');
  const subject: Subject = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    const field = SUBJECT_FIELDS.find((f) => f.toLowerCase() === key.toLowerCase());
    if (eq < 1 || !field || !value) {
      throw new InputError(`${where}: cannot read "${part.trim()}" in "${text}"`, {
        hint: `write it as /C=DE/ST=Bavaria/O=Example/OU=Operations (fields: ${SUBJECT_FIELDS.join(', ')})`,
      });
    }
    if (field === 'C' && !/^[A-Z]{2}$/.test(value)) {
      throw new InputError(`${where}: C=${value} is not a two-letter country code`, {
        hint: 'for example C=DE',
      });
    }
    subject[field] = value;
  }
  return subject;
}

/** Reads a certificate's name back into a Subject; attributes we do not model are dropped. */
export function subjectFromJsonName(name: JsonName): Subject {
  const subject: Subject = {};
  for (const rdn of name) {
    for (const field of SUBJECT_FIELDS) {
      const value = rdn[X509_NAME_KEY[field]]?.[0];
      if (value !== undefined) subject[field] = value;
    }
  }
  return subject;
}

/**
 * The organisation part of a CA's name (C, ST, L, O, OU): leaves carry it, so the whole PKI reads
 * as one in any viewer.
 */
export function organisationOf(name: JsonName): Subject {
  const { C, ST, L, O, OU } = subjectFromJsonName(name);
  return Object.fromEntries(Object.entries({ C, ST, L, O, OU }).filter(([, v]) => v !== undefined));
}
