// --limit against the examples of Ansible's "Patterns: targeting hosts and groups", over an
// inventory's node names and groups; and the inventory's `groups:` checked where they are written.
import { describe, expect, it } from 'vitest';
import { ExitCode, InventoryError } from '../../../src/errors.js';
import { limitNodes } from '../../../src/inventory/limit.js';
import { parseInventory } from '../../../src/inventory/load.js';

const fleet = [
  { name: 'web1', groups: ['webservers', 'staging'] },
  { name: 'web2', groups: ['webservers', 'atlanta'] },
  { name: 'web3', groups: ['webservers'] },
  { name: 'db1', groups: ['dbservers', 'staging', 'phoenix'] },
  { name: 'db2', groups: ['dbservers'] },
  { name: 'one.example.com', groups: [] },
];

const select = (...patterns: string[]) => limitNodes(fleet, patterns, 'prod.yaml').map((node) => node.name);

describe('limitNodes (Ansible host patterns)', () => {
  it('no --limit: every node', () => {
    expect(limitNodes(fleet, undefined, 'prod.yaml')).toEqual(fleet);
    expect(limitNodes(fleet, [], 'prod.yaml')).toEqual(fleet);
  });

  it('all hosts: all or *', () => {
    expect(select('all')).toHaveLength(6);
    expect(select('*')).toHaveLength(6);
  });

  it('one host, several hosts: host1:host2 or host1,host2', () => {
    expect(select('web2')).toEqual(['web2']);
    expect(select('web1:db2')).toEqual(['web1', 'db2']);
    expect(select('db2,web1')).toEqual(['web1', 'db2']); // inventory order
  });

  it('one group, several groups', () => {
    expect(select('webservers')).toEqual(['web1', 'web2', 'web3']);
    expect(select('webservers:dbservers')).toEqual(['web1', 'web2', 'web3', 'db1', 'db2']);
  });

  it('excluding groups: webservers:!atlanta', () => {
    expect(select('webservers:!atlanta')).toEqual(['web1', 'web3']);
  });

  it('intersection of groups: webservers:&staging', () => {
    expect(select('webservers:&staging')).toEqual(['web1']);
  });

  it('webservers:dbservers:&staging:!phoenix: unions, then intersections, then exclusions', () => {
    expect(select('webservers:dbservers:&staging:!phoenix')).toEqual(['web1']);
    // The order of the terms does not matter: a:b:&c:!d == &c:a:!d:b
    expect(select('&staging:webservers:!phoenix:dbservers')).toEqual(['web1']);
  });

  it('only exclusions or intersections start from all', () => {
    expect(select('!webservers')).toEqual(['db1', 'db2', 'one.example.com']);
    expect(select('&staging')).toEqual(['web1', 'db1']);
  });

  it('wildcards over node and group names: *.example.com, one*.com:dbservers, web[12], db?', () => {
    expect(select('*.example.com')).toEqual(['one.example.com']);
    expect(select('one*.com:dbservers')).toEqual(['db1', 'db2', 'one.example.com']);
    expect(select('web[12]')).toEqual(['web1', 'web2']);
    expect(select('web[!12]')).toEqual(['web3']);
    expect(select('db?')).toEqual(['db1', 'db2']);
    expect(select('*servers:!web*')).toEqual(['db1', 'db2']); // groups by wildcard, nodes excluded
  });

  it('a dot is literal in a wildcard', () => {
    expect(() => select('one?example*')).not.toThrow();
    expect(() => select('one.exampleXcom')).toThrow(/no node or group matches "one.exampleXcom"/);
  });

  it('repeated --limit values add up as one pattern', () => {
    expect(select('webservers', '!atlanta')).toEqual(['web1', 'web3']);
  });

  it('refuses a term that matches nothing, even after ! (a typo must not widen the run)', () => {
    const refused = (pattern: string) => {
      try {
        select(pattern);
      } catch (error) {
        return error as { message: string; hint?: string; exitCode: number };
      }
      throw new Error(`${pattern} was accepted`);
    };
    const typo = refused('webservers:!atlnta');
    expect(typo.exitCode).toBe(ExitCode.usage);
    expect(typo.message).toBe('--limit webservers:!atlnta: no node or group matches "atlnta" in prod.yaml');
    expect(typo.hint).toContain('groups: webservers, staging, atlanta, dbservers, phoenix');
    expect(refused('broker9').message).toContain('"broker9"');
    expect(refused('atlanta:&dbservers').message).toBe(
      '--limit atlanta:&dbservers selects no node of prod.yaml',
    );
    expect(refused('web1,,web2').message).toContain('an empty pattern');
    expect(refused('!').message).toContain('an empty pattern');
  });
});

const INVENTORY = (nodes: string) => `ca:
  dir: ./pki
  password: { env: DEPLOY_TLS_CA_PASSWORD }
nodes:
${nodes}`;

describe('inventory groups', () => {
  it('are read per node, a node in several', () => {
    const inventory = parseInventory(
      INVENTORY(`  - { name: broker1, host: broker1.example.com, groups: [eu, canary] }
  - { name: broker2, host: broker2.example.com }
`),
      'prod.yaml',
      {},
    );
    expect(inventory.nodes.map((node) => node.groups)).toEqual([['eu', 'canary'], []]);
  });

  it('a group named like a node, "all", twice, or with pattern characters is refused where it is written', () => {
    expect(
      problemsOf(`  - name: broker1
    host: broker1.example.com
    groups: [broker2, all, eu, eu]
  - name: broker2
    host: broker2.example.com
    groups: ['eu:west', '!x']
  - name: all
    host: all.example.com
`),
    ).toEqual([
      expect.stringMatching(/^prod\.yaml:10:14 nodes\[1\]\.groups\[0\]: a group name is letters/),
      expect.stringMatching(/^prod\.yaml:10:25 nodes\[1\]\.groups\[1\]: a group name is letters/),
    ]);
    expect(
      problemsOf(`  - name: broker1
    host: broker1.example.com
    groups: [broker2, all, eu, eu]
  - name: broker2
    host: broker2.example.com
  - name: all
    host: all.example.com
`),
    ).toEqual([
      'prod.yaml:7:14 nodes[0].groups[0]: group "broker2" has the name of a node: rename one',
      'prod.yaml:7:23 nodes[0].groups[1]: "all" is every node already: remove it',
      'prod.yaml:7:32 nodes[0].groups[3]: group "eu" is listed twice',
      'prod.yaml:10:11 nodes[2].name: "all" means every node in --limit: rename the node',
    ]);
  });
});

/** The inventory's problems, each as "file:line:col path: message"; the inventory must be refused. */
function problemsOf(nodes: string): string[] {
  try {
    parseInventory(INVENTORY(nodes), 'prod.yaml', {});
  } catch (error) {
    if (!(error instanceof InventoryError)) throw error;
    return error.problems.map((p) => `${p.location} ${p.path}: ${p.message}`);
  }
  throw new Error('the inventory was accepted');
}
