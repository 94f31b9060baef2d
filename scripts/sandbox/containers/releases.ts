// The Debian releases a container fleet can run: each brings its own OpenSSH (the version its sshd
// announces), systemd and JRE, so deploy-tls meets the servers people actually run.

export const RELEASES = {
  // openjdk-17 came to bullseye through its security updates.
  bullseye: { version: 11, jre: 'openjdk-17-jre-headless', openssh: '8.4' },
  bookworm: { version: 12, jre: 'openjdk-17-jre-headless', openssh: '9.2' },
  // Java 21 is trixie's only JRE.
  trixie: { version: 13, jre: 'openjdk-21-jre-headless', openssh: '10.0' },
} as const;

export type ReleaseName = keyof typeof RELEASES;

export const DEFAULT_RELEASE: ReleaseName = 'bookworm';

export function isRelease(name: string): name is ReleaseName {
  return Object.hasOwn(RELEASES, name);
}

/** What every node image holds from Debian: sshd, sudo, systemd as init, ps/pgrep, a JRE. */
export function nodePackages(release: ReleaseName): string[] {
  return ['openssh-server', 'sudo', 'systemd', 'systemd-sysv', 'procps', RELEASES[release].jre];
}
