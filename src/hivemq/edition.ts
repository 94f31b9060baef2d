// Community or Enterprise, and which version, from what is installed on the node (install-probe.ts),
// with the evidence for it. Pure: facts in, a decision (or an InputError naming the evidence) out.
//
// What tells them apart, strongest first:
// - conf/config.xsd: the schema HiveMQ validates config.xml with. Only Enterprise's declares
//   <cluster> (CE's src/main/resources/config.xsd has no cluster element); that is also exactly the
//   question the rollout needs answered: may config.xml get a <cluster>?
// - license/*.lic: Enterprise's license files; Community Edition has no license.
// - bin/hivemq.jar's manifest: HiveMQ-Version (CE's build.gradle.kts writes it with
//   Implementation-Title "HiveMQ"). The version scheme is a weak hint only: CE numbers its releases
//   by year (2019.1 … 2025.5), Enterprise by major version (3.x, 4.x).
import { inflateRawSync } from 'node:zlib';
import { InputError } from '../errors.js';
import type { Edition } from './config.js';
import type { InstallFacts } from './install-probe.js';

export type EditionSetting = Edition | 'auto';

export interface EditionEvidence {
  says: Edition;
  /** Strong evidence decides; weak evidence only when there is nothing strong. */
  strength: 'strong' | 'weak';
  /** "conf/config.xsd declares no <cluster> element (Community Edition's schema)" */
  detail: string;
}

export interface EditionDecision {
  edition: Edition;
  /** From bin/hivemq.jar's manifest, when it was readable. */
  version?: string;
  /** How it was decided: the evidence, or that the inventory said so. */
  evidence: string[];
}

/** Every piece of evidence the facts hold, strongest first. */
export function editionEvidence(facts: InstallFacts): EditionEvidence[] {
  const evidence: EditionEvidence[] = [];
  if (facts.configXsd !== undefined)
    evidence.push(
      schemaDeclaresCluster(facts.configXsd)
        ? {
            says: 'enterprise',
            strength: 'strong',
            detail: 'conf/config.xsd declares a <cluster> element (only the Enterprise schema does)',
          }
        : {
            says: 'community',
            strength: 'strong',
            detail: "conf/config.xsd declares no <cluster> element (Community Edition's schema)",
          },
    );
  if (facts.licenseFiles > 0)
    evidence.push({
      says: 'enterprise',
      strength: 'strong',
      detail: `license/ holds ${facts.licenseFiles} .lic file${facts.licenseFiles === 1 ? '' : 's'} (Community Edition has no license)`,
    });
  const manifest = facts.jarHead ? readJarManifest(facts.jarHead) : undefined;
  const title = manifest?.['Implementation-Title'] ?? '';
  if (/community/i.test(title))
    evidence.push({ says: 'community', strength: 'strong', detail: `bin/hivemq.jar is "${title}"` });
  else if (/enterprise/i.test(title))
    evidence.push({ says: 'enterprise', strength: 'strong', detail: `bin/hivemq.jar is "${title}"` });
  const version = versionOf(manifest);
  if (version !== undefined) {
    if (/^20\d\d\.\d+/.test(version))
      evidence.push({
        says: 'community',
        strength: 'weak',
        detail: `bin/hivemq.jar is version ${version} (Community Edition numbers releases by year)`,
      });
    else if (/^[1-9]\.\d+/.test(version))
      evidence.push({
        says: 'enterprise',
        strength: 'weak',
        detail: `bin/hivemq.jar is version ${version} (Enterprise numbers releases 3.x, 4.x)`,
      });
  }
  return evidence;
}

/**
 * The node's edition. With `auto`, strong evidence decides (conflicting strong evidence is an
 * error), else weak evidence, else it is an error. An explicit setting must not contradict strong
 * evidence; it wins over weak evidence or none.
 */
export function decideEdition(facts: InstallFacts, setting: EditionSetting, node: string): EditionDecision {
  const evidence = editionEvidence(facts);
  const version = facts.jarHead ? versionOf(readJarManifest(facts.jarHead)) : undefined;
  const withVersion = (decision: EditionDecision): EditionDecision =>
    version === undefined ? decision : { ...decision, version };
  const strong = evidence.filter((e) => e.strength === 'strong');
  const strongSays = new Set(strong.map((e) => e.says));
  const list = (items: EditionEvidence[]) => items.map((e) => e.detail).join('; ');

  if (strongSays.size > 1)
    throw new InputError(`${facts.home} on this node looks like both editions: ${list(strong)}`, {
      node,
      hint: 'check the installation under hivemq.home (a CE schema beside an Enterprise license?), then set hivemq.edition for this node',
    });
  const [decided] = strongSays;
  if (setting === 'auto') {
    if (decided) return withVersion({ edition: decided, evidence: evidence.map((e) => e.detail) });
    const weak = evidence.filter((e) => e.strength === 'weak');
    const [hint] = weak;
    if (hint) return withVersion({ edition: hint.says, evidence: weak.map((e) => e.detail) });
    throw new InputError(
      `cannot tell which HiveMQ edition is installed in ${facts.home}: no conf/config.xsd, no readable bin/hivemq.jar manifest, no license/*.lic`,
      {
        node,
        hint: 'check hivemq.home, or set hivemq.edition: community or enterprise for this node',
      },
    );
  }
  if (decided && decided !== setting)
    throw new InputError(
      `hivemq.edition is ${setting}, but the node has ${editionName(decided)}: ${list(strong)}`,
      { node, hint: `set hivemq.edition: auto (or ${decided}) for this node` },
    );
  const contradicting = evidence.filter((e) => e.says !== setting);
  return withVersion({
    edition: setting,
    evidence: [
      `hivemq.edition: ${setting} in the inventory`,
      ...evidence.filter((e) => e.says === setting).map((e) => e.detail),
      ...contradicting.map((e) => `${e.detail}, a weak sign the inventory's value overrides`),
    ],
  });
}

/**
 * Whether the node's config.xml gets cluster transport TLS. cluster.tls: false never; true always,
 * and an error on Community Edition (which has no cluster) naming the evidence; auto only on
 * Enterprise whose config.xml enables clustering, because securing a cluster is not the moment to
 * start one. `clusterEnabled` is clusterEnabled(configXml) from config.ts.
 */
export function decideClusterTls(
  edition: EditionDecision,
  setting: boolean | 'auto',
  clusterEnabled: boolean,
  node: string,
): { secure: boolean; reason: string } {
  if (setting === false) return { secure: false, reason: 'cluster.tls: false' };
  if (edition.edition === 'community') {
    if (setting === true)
      throw new InputError(
        `cluster.tls: true asks for cluster transport TLS, but the node has Community Edition, which has no cluster: ${edition.evidence.join('; ')}`,
        { node, hint: 'set cluster.tls: auto (or false) for this node' },
      );
    return { secure: false, reason: 'Community Edition has no cluster' };
  }
  if (setting === true) return { secure: true, reason: 'cluster.tls: true' };
  return clusterEnabled
    ? { secure: true, reason: 'config.xml enables clustering (<cluster><enabled>true</enabled>)' }
    : {
        secure: false,
        reason: 'config.xml does not enable clustering; cluster.tls: true would secure it anyway',
      };
}

/** Does this XML Schema declare an element named cluster (with any namespace prefix)? */
export function schemaDeclaresCluster(xsd: string): boolean {
  const withoutComments = xsd.replace(/<!--[\s\S]*?-->/g, '');
  return /<(?:[\w.-]+:)?element\b[^>]*\bname\s*=\s*["']\s*cluster\s*["']/.test(withoutComments);
}

const LOCAL_FILE_HEADER = 0x04034b50; // APPNOTE.TXT 4.3.7
const DATA_DESCRIPTOR = 0x08074b50; // APPNOTE.TXT 4.3.9, optional signature
const FLAG_DATA_DESCRIPTOR = 0x0008; // general purpose bit 3: sizes follow the data
const STORED = 0;
const DEFLATED = 8;
const MAX_MANIFEST_BYTES = 65_536; // a hostile jar's "manifest" is not inflated without bound
const MAX_ENTRIES = 64;

/**
 * The main attributes of META-INF/MANIFEST.MF, read from the first bytes of a jar by walking its
 * local file headers (no central directory needed, so the head of the file suffices). Undefined
 * when the manifest is not among the entries the bytes hold, or the bytes are not a zip.
 */
export function readJarManifest(head: Uint8Array): Record<string, string> | undefined {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  let offset = 0;
  for (let entry = 0; entry < MAX_ENTRIES && offset + 30 <= buf.length; entry++) {
    if (buf.readUInt32LE(offset) !== LOCAL_FILE_HEADER) return undefined;
    const flags = buf.readUInt16LE(offset + 6);
    const method = buf.readUInt16LE(offset + 8);
    const compressedSize = buf.readUInt32LE(offset + 18);
    const nameLength = buf.readUInt16LE(offset + 26);
    const extraLength = buf.readUInt16LE(offset + 28);
    const name = buf.subarray(offset + 30, offset + 30 + nameLength).toString('utf8');
    const dataStart = offset + 30 + nameLength + extraLength;
    const sizeKnown = (flags & FLAG_DATA_DESCRIPTOR) === 0 || compressedSize > 0;
    let data = buf.subarray(dataStart, sizeKnown ? dataStart + compressedSize : buf.length);
    let consumed = compressedSize;
    if (name === 'META-INF/MANIFEST.MF') {
      if (method === STORED && sizeKnown) return parseManifest(data.toString('utf8'));
      if (method !== DEFLATED) return undefined;
      try {
        return parseManifest(inflateRawSync(data, { maxOutputLength: MAX_MANIFEST_BYTES }).toString('utf8'));
      } catch {
        return undefined;
      }
    }
    if (!sizeKnown) {
      // Sizes come after the data: only deflate data knows where it ends.
      if (method !== DEFLATED) return undefined;
      try {
        const result = inflateRawSync(data, { info: true, maxOutputLength: 64 * 1024 * 1024 }) as unknown as {
          engine: { bytesWritten: number };
        };
        consumed = result.engine.bytesWritten;
      } catch {
        return undefined;
      }
      data = data.subarray(0, consumed);
      const after = dataStart + consumed;
      const signed = after + 4 <= buf.length && buf.readUInt32LE(after) === DATA_DESCRIPTOR;
      offset = after + (signed ? 16 : 12);
      continue;
    }
    offset = dataStart + consumed;
  }
  return undefined;
}

/** JAR manifest main section: "Name: value" lines, continuation lines start with one space. */
export function parseManifest(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  let last: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') break; // the main section ends at the first blank line
    if (line.startsWith(' ') && last !== undefined) {
      attributes[last] += line.slice(1);
      continue;
    }
    const colon = line.indexOf(': ');
    if (colon <= 0) continue;
    last = line.slice(0, colon);
    attributes[last] = line.slice(colon + 2);
  }
  return attributes;
}

function versionOf(manifest: Record<string, string> | undefined): string | undefined {
  const version = (manifest?.['HiveMQ-Version'] ?? manifest?.['Implementation-Version'])?.trim();
  return version && /^[\w.+-]{1,64}$/.test(version) ? version : undefined;
}

function editionName(edition: Edition): string {
  return edition === 'community' ? 'Community Edition' : 'Enterprise';
}
