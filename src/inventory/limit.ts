// `--limit`: which nodes a command works on, written as Ansible host patterns over the inventory's
// node names and `groups:`.
//
// Ansible, "Patterns: targeting hosts and groups"
// (https://docs.ansible.com/ansible/latest/inventory_guide/intro_patterns.html), as implemented here:
//   - `all` (or `*`): every node; a name: that node; a group: its nodes;
//   - `a:b` or `a,b`: the union; `a:!b`: without b; `a:&b`: only nodes also in b;
//   - wildcards (fnmatch: `*`, `?`, `[seq]`, `[!seq]`) over node and group names, e.g. `broker*`;
//   - "processing order": unions first, then intersections (`&`), then exclusions (`!`), so
//     `a:b:&c:!d` is (a or b) and c and not d; only `!`/`&` terms start from `all`
//     (ansible.inventory.manager.order_patterns);
//   - a plain word names a group before a node; a wildcard matches both
//     (InventoryManager._enumerate_matches).
// Not taken: `~regex`, `group[0:2]` subscripts, `@file` and `{{ variables }}`.
// Where Ansible warns "Could not match supplied host pattern, ignoring", this refuses: a typo in
// `--limit` must not quietly shrink a run, nor, after a `!`, widen it.
import { UsageError } from '../errors.js';

/** Ansible's implicit group of every host. */
export const ALL = 'all';

export interface Targetable {
  name: string;
  groups: readonly string[];
}

/** The nodes the patterns select, in inventory order; every node when there are none. */
export function limitNodes<N extends Targetable>(
  nodes: readonly N[],
  patterns: readonly string[] | undefined,
  source: string,
): N[] {
  if (!patterns || patterns.length === 0) return [...nodes];
  const terms = patterns.flatMap((pattern) => pattern.split(/[,:]/)).map((term) => term.trim());
  const text = patterns.join(',');
  if (terms.some((term) => term === '' || term === '!' || term === '&')) {
    throw new UsageError(`--limit ${text}: an empty pattern`, { hint: LIMIT_HINT });
  }
  const unions = terms.filter((term) => !/^[!&]/.test(term));
  const intersections = terms.filter((term) => term.startsWith('&')).map((term) => term.slice(1));
  const exclusions = terms.filter((term) => term.startsWith('!')).map((term) => term.slice(1));
  const unmatched: string[] = [];
  const matches = (term: string): Set<N> => {
    const found = matchTerm(nodes, term);
    if (found.size === 0) unmatched.push(term);
    return found;
  };

  let selected = new Set<N>();
  for (const term of unions.length > 0 ? unions : [ALL]) for (const node of matches(term)) selected.add(node);
  for (const term of intersections) {
    const these = matches(term);
    selected = new Set([...selected].filter((node) => these.has(node)));
  }
  for (const term of exclusions) for (const node of matches(term)) selected.delete(node);

  if (unmatched.length > 0) {
    throw new UsageError(
      `--limit ${text}: no node or group matches ${unmatched.map((term) => `"${term}"`).join(', ')} in ${source}`,
      { hint: available(nodes) },
    );
  }
  const chosen = nodes.filter((node) => selected.has(node));
  if (chosen.length === 0) {
    throw new UsageError(`--limit ${text} selects no node of ${source}`, { hint: available(nodes) });
  }
  return chosen;
}

const LIMIT_HINT =
  'write names, groups or wildcards separated by "," or ":", e.g. --limit "eu:!broker3" or --limit "broker*:&canary"';

function matchTerm<N extends Targetable>(nodes: readonly N[], term: string): Set<N> {
  if (term === ALL || term === '*') return new Set(nodes);
  if (!/[*?[]/.test(term)) {
    const group = nodes.filter((node) => node.groups.includes(term));
    return new Set(group.length > 0 ? group : nodes.filter((node) => node.name === term));
  }
  const glob = globRegExp(term);
  return new Set(nodes.filter((node) => glob.test(node.name) || node.groups.some((g) => glob.test(g))));
}

/** fnmatch (what Ansible matches host patterns with): `*`, `?`, `[seq]`, `[!seq]`; the rest literal. */
function globRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    const close = char === '[' ? glob.indexOf(']', i + 2) : -1;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (close > 0) {
      const body = glob.slice(i + 1, close);
      const negated = body.startsWith('!');
      source += `[${negated ? '^' : ''}${escapeClass(negated ? body.slice(1) : body)}]`;
      i = close;
    } else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Inside a class only `\`, `]` and `^` are special (a `-` keeps its range meaning, as in fnmatch). */
function escapeClass(body: string): string {
  return body.replace(/[\\\]^]/g, '\\$&');
}

function available(nodes: readonly Targetable[]): string {
  const groups = [...new Set(nodes.flatMap((node) => node.groups))];
  return `nodes: ${nodes.map((node) => node.name).join(', ')}${groups.length > 0 ? `; groups: ${groups.join(', ')}` : ''}`;
}

/**
 * What is wrong with the inventory's groups, per node: a group named like a node or `all` would
 * make a pattern mean two things (Ansible warns and prefers the group; here the inventory says it).
 */
export function groupProblems(
  nodes: readonly Targetable[],
): { node: number; group: number; message: string }[] {
  const names = new Set(nodes.map((node) => node.name));
  const problems: { node: number; group: number; message: string }[] = [];
  nodes.forEach((node, index) => {
    if (node.name === ALL)
      problems.push({
        node: index,
        group: -1,
        message: `"${ALL}" means every node in --limit: rename the node`,
      });
    node.groups.forEach((group, g) => {
      if (group === ALL)
        problems.push({ node: index, group: g, message: `"${ALL}" is every node already: remove it` });
      else if (names.has(group))
        problems.push({
          node: index,
          group: g,
          message: `group "${group}" has the name of a node: rename one`,
        });
      else if (node.groups.indexOf(group) !== g)
        problems.push({ node: index, group: g, message: `group "${group}" is listed twice` });
    });
  });
  return problems;
}
