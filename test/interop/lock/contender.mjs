// One of several processes started at once against one CA directory (see ../ca-lock.test.ts).
// Plain JavaScript on the built modules, so each contender is a bare `node` process.
//   node contender.mjs race  <caDir> <rendezvous> <contenders>  : take the lock once; the holder keeps
//        it until every other contender has reported its refusal
//   node contender.mjs issue <caDir> <rendezvous>               : open the CA, issue a client, close;
//        when the CA is locked, wait a little and try again
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const dist = new URL('../../../dist/', import.meta.url);
const { acquireCaLock } = await import(new URL('pki/lock.js', dist).href);
const { CertificateAuthority } = await import(new URL('pki/ca.js', dist).href);
const { Secret } = await import(new URL('secret.js', dist).href);

const [mode, caDir, rendezvous, contenders] = process.argv.slice(2);
const me = String(process.pid);
const report = (folder, text = '') => writeFileSync(join(rendezvous, folder, me), text);

// Everyone starts together: ready, then wait for the parent's go.
report('ready');
while (!existsSync(join(rendezvous, 'go'))) await sleep(1);

if (mode === 'race') {
  let lock;
  try {
    lock = await acquireCaLock(join(caDir, 'deploy-tls.lock'), `contender ${me}`, new Date());
  } catch (error) {
    report('refused', `${error.name}: ${error.message}`);
    process.exit(0);
  }
  report('held');
  const deadline = Date.now() + 30_000;
  while (readdirSync(join(rendezvous, 'refused')).length < Number(contenders) - 1 && Date.now() < deadline) {
    await sleep(20);
  }
  await lock.release();
} else {
  const password = new Secret(process.env.CA_PASSWORD ?? '', 'env CA_PASSWORD');
  for (let attempt = 0; ; attempt++) {
    let ca;
    try {
      ca = await CertificateAuthority.open({
        dir: caDir,
        password,
        command: `contender ${me}`,
        now: new Date(),
      });
    } catch (error) {
      if (!/is locked by/.test(error.message) || attempt > 400) throw error;
      await sleep(20 + Math.random() * 80);
      continue;
    }
    try {
      const issued = await ca.issue({
        profile: 'client',
        name: `contender-${me}`,
        subject: { CN: `contender-${me}` },
        keyType: 'ecdsa-p256',
        now: new Date(),
      });
      report('issued', issued.serial);
    } finally {
      await ca.close();
    }
    break;
  }
}
