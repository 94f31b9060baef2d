// ProxyJump in OpenSSH's syntax (ssh_config(5) ProxyJump, ssh(1) -J): "[user@]host[:port]" or
// "ssh://[user@]host[:port]", comma-separated for a chain, hops in the order they are connected;
// "none" means no jump host. Every value here may come from a hostile inventory, so each part is
// checked against a narrow grammar: nothing else ever reaches an ssh argument or a ProxyCommand.

export interface JumpHop {
  /** The name to look up in the ssh config and connect to (config HostName may replace it). */
  host: string;
  user?: string;
  port?: number;
}

/** Host names, IPv4, [IPv6] and config aliases; never a leading "-" (ssh would read an option). */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_][A-Za-z0-9_.-]*)$/;
/** POSIX portable user names (plus "."), as useradd accepts them. */
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export class JumpSpecError extends Error {}

/** Checks a name ssh will be given as a host: a config alias, a DNS name or an address. */
export function checkHostName(host: string, context = ''): string {
  if (!HOST.test(host) || host.length > 253) {
    throw new JumpSpecError(
      `${context}"${host}" is not a host name or address (letters, digits, ".", "_", "-", or [IPv6])`,
    );
  }
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

export function checkUserName(user: string, context = ''): string {
  if (!USER.test(user) || user.length > 64) {
    throw new JumpSpecError(`${context}"${user}" is not a user name (letters, digits, ".", "_", "-")`);
  }
  return user;
}

function parseHop(spec: string): JumpHop {
  const text = spec.startsWith('ssh://') ? spec.slice('ssh://'.length) : spec;
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? checkUserName(text.slice(0, at), `in "${spec}": `) : undefined;
  const rest = at >= 0 ? text.slice(at + 1) : text;
  // [v6]:port, host:port, or a bare host; a bare IPv6 address without brackets has several colons.
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(rest);
  if (!match?.[1]) throw new JumpSpecError(`"${spec}" is not [user@]host[:port]`);
  const host = checkHostName(match[1], `in "${spec}": `);
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) {
    throw new JumpSpecError(`the port in "${spec}" is not 1..65535`);
  }
  return { host, ...(user ? { user } : {}), ...(port ? { port } : {}) };
}

/** The hops of a ProxyJump value, first hop first; [] for "none". */
export function parseProxyJump(value: string): JumpHop[] {
  const trimmed = value.trim();
  if (trimmed === 'none') return [];
  if (trimmed === '') throw new JumpSpecError('an empty ProxyJump: write "none" for no jump host');
  return trimmed.split(',').map((part) => parseHop(part.trim()));
}

/** A hop as OpenSSH writes it, for messages: "deployer@10.0.0.5:2222". */
export function formatHop(hop: { host: string; user?: string; port?: number }): string {
  const host = hop.host.includes(':') ? `[${hop.host}]` : hop.host;
  return `${hop.user ? `${hop.user}@` : ''}${host}${hop.port ? `:${hop.port}` : ''}`;
}
