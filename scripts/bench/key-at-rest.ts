// npx tsx scripts/bench/key-at-rest.ts [--runs 5]
// What the key-at-rest encryption costs: PKCS#8 with PBKDF2-HMAC-SHA256 at KEY_AT_REST_ITERATIONS
// against OpenSSL's default (2048 iterations, what Node's KeyObject.export writes), in one run.
// Encrypting: the first key of a password derives (the rest reuse it); opening: OpenSSL derives
// every time (as `openssl pkey`, `openssl ca` and CertificateAuthority.open do).
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { parseArgs } from 'node:util';
import { encryptPrivateKeyPem, KEY_AT_REST_ITERATIONS } from '../../src/pki/keys.js';
import { Secret } from '../../src/secret.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time(work: () => unknown): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

const opensslDefault = (key: KeyObject, password: string) =>
  key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }) as string;

const rows: [string, number, number][] = [];
const sample = (label: string, base: () => unknown, ours: () => unknown) => {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(time(base));
    b.push(time(ours));
  }
  rows.push([label, median(a), median(b)]);
};

let n = 0;
sample(
  'encrypt, first key of a password',
  () => opensslDefault(privateKey, `pw-${n++}-0123456789`),
  () => encryptPrivateKeyPem(privateKey, new Secret(`pw-${n++}-0123456789`, 'bench')),
);
const shared = new Secret('shared-0123456789', 'bench');
encryptPrivateKeyPem(privateKey, shared);
sample(
  'encrypt, next key of the same password',
  () => opensslDefault(privateKey, 'shared-0123456789'),
  () => encryptPrivateKeyPem(privateKey, shared),
);
const basePem = opensslDefault(privateKey, 'shared-0123456789');
const ourPem = encryptPrivateKeyPem(privateKey, shared);
sample(
  'open (OpenSSL derives every time)',
  () => createPrivateKey({ key: basePem, passphrase: 'shared-0123456789' }),
  () => createPrivateKey({ key: ourPem, passphrase: 'shared-0123456789' }),
);

console.log(`PBKDF2-HMAC-SHA256, RSA-2048 key, median of ${runs} runs`);
console.log(
  `${'step'.padEnd(40)} ${'2048 iter'.padStart(10)} ${`${KEY_AT_REST_ITERATIONS} iter`.padStart(12)}  ratio`,
);
for (const [label, base, ours] of rows) {
  console.log(
    `${label.padEnd(40)} ${`${base.toFixed(1)} ms`.padStart(10)} ${`${ours.toFixed(1)} ms`.padStart(12)}  ${(ours / base).toFixed(0)}x`,
  );
}
