// What HiveMQ installation a node has, read in one round trip: the schema it validates config.xml
// with (conf/config.xsd), the start of the broker jar (bin/hivemq.jar, for its manifest) and how many
// license files it holds. A probe is a command plus a pure parser, tested with recorded output.
//
// The distribution layout is HiveMQ's own: the hivemqZip task of HiveMQ CE's build.gradle.kts copies
// the shadow jar to bin/hivemq.jar and config.xsd to conf/; Enterprise adds a license/ folder for
// its *.lic files (HiveMQ docs, "Installation": "license: the folder where the HiveMQ License
// file(s) resides").
import type { Probe } from '../remote/probes.js';
import { shellQuote } from '../remote/remote.js';

export interface InstallFacts {
  home: string;
  /** conf/config.xsd as text, when the file exists. */
  configXsd?: string;
  /** The first JAR_HEAD_BYTES of bin/hivemq.jar, when the file exists: its manifest is near the start. */
  jarHead?: Uint8Array;
  /** Regular files named *.lic directly in license/ (0 when there is no such folder). */
  licenseFiles: number;
}

/** A jar's manifest is its first or second entry; 64 KiB holds it with room, and costs 87 KiB of base64. */
export const JAR_HEAD_BYTES = 65_536;
const MARK = '==deploy-tls-install==';

export const installPaths = (home: string) => {
  const root = home.replace(/\/+$/, '') || '/';
  return {
    xsd: `${root}/conf/config.xsd`,
    jar: `${root}/bin/hivemq.jar`,
    license: `${root}/license`,
  };
};

export function installProbe(home: string): Probe<InstallFacts> {
  const paths = installPaths(home);
  const xsd = shellQuote(paths.xsd);
  const jar = shellQuote(paths.jar);
  const license = shellQuote(paths.license);
  const command = [
    `if [ -f ${xsd} ]; then echo '${MARK} xsd'; base64 -w0 < ${xsd}; echo; else echo '${MARK} xsd missing'; fi`,
    `if [ -f ${jar} ]; then echo '${MARK} jar'; head -c ${JAR_HEAD_BYTES} ${jar} | base64 -w0; echo; else echo '${MARK} jar missing'; fi`,
    // A count, not names: file names from a node never reach our output or a shell.
    `echo "${MARK} licenses $(find ${license} -maxdepth 1 -type f -name '*.lic' 2>/dev/null | wc -l)"`,
  ].join('\n');
  return { command, parse: (stdout) => parseInstallProbe(stdout, home) };
}

export function parseInstallProbe(stdout: string, home: string): InstallFacts {
  const lines = stdout.split('\n');
  const facts: InstallFacts = { home, licenseFiles: 0 };
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!line.startsWith(`${MARK} `)) continue;
    const [what, state] = line.slice(MARK.length + 1).split(' ');
    if (what === undefined) continue;
    seen.add(what);
    if (what === 'licenses') {
      facts.licenseFiles = Number.parseInt(state ?? '0', 10) || 0;
    } else if ((what === 'xsd' || what === 'jar') && state !== 'missing') {
      const bytes = Buffer.from(lines[++i] ?? '', 'base64');
      if (what === 'xsd') facts.configXsd = bytes.toString('utf8');
      else facts.jarHead = new Uint8Array(bytes);
    }
  }
  for (const what of ['xsd', 'jar', 'licenses'])
    if (!seen.has(what)) throw new Error(`unexpected install probe output: no "${what}" section`);
  return facts;
}
