import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../../src/errors.js';
import { MAX_INVENTORY_BYTES, parseInventory } from '../../../src/inventory/load.js';
import { MAX_NODES } from '../../../src/inventory/schema.js';

const env = { HOME: '/home/ops' };

const GOOD = `ca:
  dir: ./pki
  password: { env: DEPLOY_TLS_CA_PASSWORD }
  subject: { C: DE, O: Example }
defaults:
  ssh: { user: deploy, become: true }
  hivemq: { edition: community }
  tls: { listener: { port: 8884 } }
clients:
  - name: mqtt-client
    password: { env: MQTT_CLIENT_PASSWORD }
nodes:
  - name: broker1
    host: broker1.example.com
    address: 10.0.0.11
  - name: broker2
    host: broker2.example.com
    sans: [DNS:broker2.example.com, IP:10.0.0.12]
    ssh: { port: 2222, become: false }
    tls: { listener: { bindAddress: 10.0.0.12 } }
`;

function problemsOf(text: string): string[] {
  try {
    parseInventory(text, 'prod.yaml', env);
  } catch (error) {
    if (error instanceof InventoryError)
      return error.problems.map((p) => `${p.location} ${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected the inventory to be refused');
}

describe('inventory', () => {
  it('merges built-in defaults, file defaults and node overrides, deepest wins', () => {
    const inventory = parseInventory(GOOD, '/srv/deploy/prod.yaml', env);
    const [one, two] = inventory.nodes;
    expect(inventory.ca.dir).toBe('/srv/deploy/pki');
    // Unset user, port, key and known_hosts stay unset: the ssh config may supply them, and the
    // built-in defaults apply only after it (src/remote/target.ts).
    expect(one?.ssh).toEqual({ user: 'deploy', transport: 'builtin', become: true, agent: false });
    expect(two?.ssh.port).toBe(2222);
    expect(two?.ssh.become).toBe(false);
    expect(one?.tls.listener).toEqual({ name: 'secure-listener', port: 8884, bindAddress: '0.0.0.0' });
    expect(two?.tls.listener).toEqual({ name: 'secure-listener', port: 8884, bindAddress: '10.0.0.12' });
    expect(one?.hivemq.edition).toBe('community');
    expect(one?.hivemq.editionSetting).toBe('community');
    expect(one?.hivemq.restart).toBe('systemctl restart hivemq');
    expect(inventory.clients).toEqual([
      {
        name: 'mqtt-client',
        key: 'rsa-2048',
        days: undefined,
        out: '/srv/deploy/clients/mqtt-client',
        password: { env: 'MQTT_CLIENT_PASSWORD' },
        plainKey: false,
      },
    ]);
  });

  it('reads jump hosts, the ssh config, passphrases, sudo passwords and the agent socket', () => {
    const text = `ca: { dir: ./pki, password: { env: X } }
defaults:
  ssh:
    proxyJump: bastion1,deployer@10.0.0.5:2222
    configFile: ./ssh_config
    agent: true
nodes:
  - name: broker1
    host: broker1.example.com
    ssh:
      transport: openssh
      privateKey: ~/.ssh/deploy
      passphrase: { file: ./secrets/key.pass }
      becomePassword: { env: SUDO_PASS }
  - name: broker2
    host: broker2.example.com
    ssh: { configFile: none, proxyJump: none }
`;
    const [one, two] = parseInventory(text, '/srv/deploy/prod.yaml', {
      ...env,
      SSH_AUTH_SOCK: '/run/agent.sock',
    }).nodes;
    expect(one?.ssh).toEqual({
      proxyJump: 'bastion1,deployer@10.0.0.5:2222',
      configFile: '/srv/deploy/ssh_config',
      agent: true,
      agentSocket: '/run/agent.sock',
      transport: 'openssh',
      become: false,
      privateKey: '/home/ops/.ssh/deploy',
      passphrase: { file: '/srv/deploy/secrets/key.pass' }, // relative to the inventory, as every path
      becomePassword: { env: 'SUDO_PASS' },
    });
    expect(two?.ssh).toMatchObject({ configFile: 'none', proxyJump: 'none' });
  });

  it('refuses hosts, users and jump hosts that could be read as ssh options', () => {
    const text = `ca: { dir: ./pki, password: { env: X } }
defaults:
  ssh: { proxyJump: "-oProxyCommand=touch /tmp/x" }
nodes:
  - name: broker1
    host: broker1.example.com
    ssh: { host: "-oProxyCommand=x", user: "root;id", proxyJump: "a@b@c:99999" }
  - name: broker2
    host: broker2.example.com
    ssh: { proxyJump: "bastion:2200,,x" }
`;
    expect(problemsOf(text)).toEqual([
      'prod.yaml:3:21 defaults.ssh.proxyJump: in "-oProxyCommand=touch /tmp/x": "-oProxyCommand=touch /tmp/x" is not a host name or address (letters, digits, ".", "_", "-", or [IPv6])',
      'prod.yaml:7:18 nodes[0].ssh.host: "-oProxyCommand=x" is not a host name or address (letters, digits, ".", "_", "-", or [IPv6])',
      'prod.yaml:7:44 nodes[0].ssh.user: "root;id" is not a user name (letters, digits, ".", "_", "-")',
      'prod.yaml:7:66 nodes[0].ssh.proxyJump: in "a@b@c:99999": "a@b" is not a user name (letters, digits, ".", "_", "-")',
      'prod.yaml:10:23 nodes[1].ssh.proxyJump: "" is not [user@]host[:port]',
    ]);
  });

  it('without sans, a node gets its host and its IP address', () => {
    const [one] = parseInventory(GOOD, 'prod.yaml', env).nodes;
    expect(one?.address).toBe('10.0.0.11');
    expect(one?.sans).toEqual([
      { type: 'dns', value: 'broker1.example.com' },
      { type: 'ip', value: '10.0.0.11' },
    ]);
  });

  it('reports every problem at once, each with file:line:col and path', () => {
    const text = `ca:
  dir: ./pki
  password: changeme
nodes:
  - name: broker1
    host: broker1.example.com
    sans: [DNS:other.example.com, "DNS:broker 2"]
    ssh: { port: 70000, colour: blue }
  - name: broker1
    host: b.example.com
`;
    expect(problemsOf(text)).toEqual([
      'prod.yaml:3:13 ca.password: a password written inline: refuse to keep secrets in the inventory',
      'prod.yaml:8:18 nodes[0].ssh.port: a port is 1..65535',
      'prod.yaml:8:25 nodes[0].ssh.colour: unknown key "colour"',
    ]);
  });

  it('after the shape is right, reports duplicate names, bad SANs and a SAN list missing the host', () => {
    const text = `ca: { dir: ./pki, password: { file: ./ca.pass } }
nodes:
  - name: broker1
    host: broker1.example.com
    sans: [DNS:other.example.com, "DNS:broker 2"]
  - name: broker1
    host: b.example.com
    sans: [DNS:c.example.com]
`;
    expect(problemsOf(text)).toEqual([
      'prod.yaml:5:35 nodes[0].sans[1]: "broker 2" is not a DNS name',
      'prod.yaml:6:11 nodes[1].name: duplicate node name "broker1" (also nodes[0])',
      'prod.yaml:8:11 nodes[1].sans: does not cover host "b.example.com": clients verify that name (add DNS:b.example.com)',
    ]);
  });

  it('bounds certificate lifetimes: whole days up to the intermediate CA’s 3650', () => {
    const text = `ca: { dir: ./pki, password: { file: ./ca.pass } }
defaults:
  tls: { days: 5000 }
clients:
  - { name: app, days: 10000000, password: { env: P } }
  - { name: other, days: 0, password: { env: P } }
nodes:
  - { name: broker1, host: broker1.example.com, tls: { days: 1.5 } }
`;
    expect(problemsOf(text)).toEqual([
      'prod.yaml:3:16 defaults.tls.days: a certificate lives 1..3650 days',
      'prod.yaml:5:24 clients[0].days: a certificate lives 1..3650 days',
      'prod.yaml:6:26 clients[1].days: a certificate lives 1..3650 days',
      'prod.yaml:8:62 nodes[0].tls.days: a certificate lives 1..3650 days',
    ]);
  });

  it('points at YAML syntax errors', () => {
    expect(problemsOf('ca:\n  dir: [unclosed\nnodes: []\n')[0]).toMatch(/^prod\.yaml:\d+:\d+ : /);
  });

  it('needs at least one node', () => {
    expect(problemsOf('ca: { dir: ./pki, password: { env: X } }\nnodes: []\n')).toEqual([
      'prod.yaml:2:8 nodes: an inventory needs at least one node',
    ]);
  });

  it("splits a client's onRenew into argv without a shell, its program found like every path", () => {
    const text = `ca: { dir: ./pki, password: { env: X } }
clients:
  - name: app
    password: { env: APP_PASSWORD }
    onRenew: ./hooks/reload "app server" '$HOME'
  - name: mail
    password: { env: MAIL_PASSWORD }
    onRenew: systemctl reload mosquitto
nodes: [{ name: b1, host: b1.example.com }]
`;
    const [app, mail] = parseInventory(text, '/srv/deploy/prod.yaml', env).clients;
    expect(app?.onRenew).toEqual({
      argv: ['/srv/deploy/hooks/reload', 'app server', '$HOME'],
      cwd: '/srv/deploy',
    });
    expect(mail?.onRenew?.argv).toEqual(['systemctl', 'reload', 'mosquitto']);
  });

  it('names the file, line and column of an onRenew that cannot be split', () => {
    const text = `ca: { dir: ./pki, password: { env: X } }
clients:
  - name: app
    password: { env: APP_PASSWORD }
    onRenew: 'notify "oops'
  - name: other
    password: { env: OTHER_PASSWORD }
    onRenew: ""
nodes: [{ name: b1, host: b1.example.com }]
`;
    expect(problemsOf(text)).toEqual(['prod.yaml:8:14 clients[1].onRenew: must not be empty']);
    expect(problemsOf(text.replace('onRenew: ""', 'onRenew: ok'))).toEqual([
      'prod.yaml:5:14 clients[0].onRenew: the quote " is never closed',
    ]);
  });
});

describe('hostile and out-of-bounds values', () => {
  /** A one-node inventory with `extra` lines appended to the node (6 spaces deep) or replacing parts. */
  const inventory = (node: string, top = '') => `ca: { dir: ./pki, password: { env: CA_PASS } }
${top}nodes:
  - name: broker1
    host: broker1.example.com
${node}`;

  it.each([
    [
      'tls:\n      dir: etc/ssl/hivemq\n',
      'prod.yaml:6:12 nodes[0].tls.dir: "etc/ssl/hivemq" is not an absolute path',
    ],
    [
      'hivemq:\n      home: opt/hivemq\n',
      'prod.yaml:6:13 nodes[0].hivemq.home: "opt/hivemq" is not an absolute path',
    ],
    [
      'hivemq:\n      log: ~/hivemq.log\n',
      'prod.yaml:6:12 nodes[0].hivemq.log: "~/hivemq.log" is not an absolute path',
    ],
    [
      'tls:\n      dir: "/etc/ssl/x\\ny"\n',
      'prod.yaml:6:12 nodes[0].tls.dir: contains U+000A at character 10, a control character',
    ],
    [
      'hivemq:\n      restart: "systemctl restart hivemq\\ntouch /tmp/x"\n',
      'prod.yaml:6:16 nodes[0].hivemq.restart: contains U+000A at character 24',
    ],
    [
      'tls:\n      listener: { name: "secure\\u001b[2Jlistener" }\n',
      'prod.yaml:6:25 nodes[0].tls.listener.name: contains U+001B at character 6',
    ],
    [
      'tls:\n      listener: { name: "a\\u202Eb" }\n',
      'prod.yaml:6:25 nodes[0].tls.listener.name: contains U+202E at character 1',
    ],
    [
      'tls:\n      listener: { bindAddress: "$(touch /tmp/x)" }\n',
      'prod.yaml:6:32 nodes[0].tls.listener.bindAddress: "$(touch /tmp/x)" is not an IP address',
    ],
    [
      'tls:\n      listener: { bindAddress: broker1.example.com }\n',
      'prod.yaml:6:32 nodes[0].tls.listener.bindAddress: "broker1.example.com" is not an IP address',
    ],
    [
      'tls:\n      cipherSuites: ["TLS_AES_128_GCM_SHA256;touch"]\n',
      'prod.yaml:6:22 nodes[0].tls.cipherSuites[0]: a cipher suite is a Java standard name',
    ],
    [
      'tls:\n      protocols: ["TLSv1.3\\n"]\n',
      'prod.yaml:6:19 nodes[0].tls.protocols[0]: Invalid option: expected one of "TLSv1.2"|"TLSv1.3"',
    ],
    [
      'hivemq:\n      serviceUser: "hivemq:root"\n',
      'prod.yaml:6:20 nodes[0].hivemq.serviceUser: a user or group name is up to 32 letters',
    ],
    ['hivemq:\n      serviceUser: -R\n', 'prod.yaml:6:20 nodes[0].hivemq.serviceUser: a user or group name'],
    ['ssh:\n      user: "root\\r"\n', 'prod.yaml:6:13 nodes[0].ssh.user: contains U+000D'],
    ['ssh:\n      privateKey: "key\\0"\n', 'prod.yaml:6:19 nodes[0].ssh.privateKey: contains U+0000'],
    [
      '    address: "10.0.0.1; touch /tmp/x"\n',
      'prod.yaml:5:14 nodes[0].address: "10.0.0.1; touch /tmp/x" is neither a DNS name nor an IP address',
    ],
    ['tls:\n      backups: 0\n', 'prod.yaml:6:16 nodes[0].tls.backups: keep at least 1 backup'],
    [
      'tls:\n      keystore: { password: { env: "A B" } }\n',
      'prod.yaml:6:36 nodes[0].tls.keystore.password.env: an environment variable name',
    ],
  ])('refuses %j', (node, problem) => {
    const lines = problemsOf(inventory(node.startsWith('    address') ? node : `    ${node}`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(problem);
  });

  it.each([
    ['intermediate', 'prod.yaml:3:11 nodes[0].name: "intermediate" is reserved for the CA\'s own files'],
    ['CA-Chain', 'prod.yaml:3:11 nodes[0].name: "CA-Chain" is reserved'],
    ['deploy-tls-smoke', 'prod.yaml:3:11 nodes[0].name: "deploy-tls-smoke" is reserved'],
    ['intermediate-next', 'prod.yaml:3:11 nodes[0].name: "intermediate-next" is reserved'],
    ['intermediate-3C82969C', 'prod.yaml:3:11 nodes[0].name: "intermediate-3C82969C" is reserved'],
  ])('refuses the reserved node name %s', (name, problem) => {
    const text = inventory('').replace('name: broker1', `name: ${name}`);
    expect(problemsOf(text)[0]).toContain(problem);
  });

  it('refuses a reserved client name, and a node and a client sharing a name (case aside)', () => {
    const clients = `clients:
  - { name: ca, password: { env: P } }
  - { name: Broker1, password: { env: P } }
  - { name: app, password: { env: P } }
  - { name: app, password: { env: P } }
`;
    expect(problemsOf(inventory('', clients))).toEqual([
      `prod.yaml:3:13 clients[0].name: "ca" is reserved for the CA's own files (ca, ca-chain, intermediate, intermediate-next, deploy-tls-smoke, intermediate-<serial>): choose another name`,
      'prod.yaml:4:13 clients[1].name: "Broker1" names both a node and a client (also nodes[0]): the CA keeps one name for one kind of certificate',
      'prod.yaml:6:13 clients[3].name: duplicate client name "app" (also clients[2])',
    ]);
  });

  it('requires a client bundle password of its own', () => {
    expect(problemsOf(inventory('', 'clients:\n  - name: app\n'))).toEqual([
      'prod.yaml:3:5 clients[0].password: a client bundle needs a password of its own: add password: { env: VARIABLE } or { file: PATH }',
    ]);
  });

  it('refuses a control character in the CA subject and a file reference', () => {
    const text = `ca:
  dir: ./pki
  password: { file: "./ca\\u0007.pass" }
  subject: { O: "Example\\u0085", OU: "Ops/Dev" }
nodes: [{ name: broker1, host: broker1.example.com }]
`;
    expect(problemsOf(text)).toEqual([
      'prod.yaml:3:21 ca.password.file: contains U+0007 at character 4, a control character no value may hold',
      'prod.yaml:4:17 ca.subject.O: contains U+0085 at character 7, a control character no value may hold',
      'prod.yaml:4:38 ca.subject.OU: a subject value cannot hold "/" (index.txt writes subjects as /C=…/O=… without escapes)',
    ]);
  });

  it('refuses a host that is no DNS name when a sans list is given', () => {
    const text = inventory('    sans: ["DNS:broker1.example.com"]\n').replace(
      'host: broker1.example.com',
      'host: "`touch /tmp/x`"',
    );
    expect(problemsOf(text)).toContain(
      'prod.yaml:4:11 nodes[0].host: "`touch /tmp/x`" is neither a DNS name nor an IP address',
    );
  });

  it('caps the size of the file and the number of nodes', () => {
    const big = inventory('', `# ${'x'.repeat(MAX_INVENTORY_BYTES)}\n`);
    expect(() => parseInventory(big, 'prod.yaml', env)).toThrow(
      /^prod\.yaml is 1\.0 MiB: an inventory is at most 1 MiB$/,
    );
    const many = `ca: { dir: ./pki, password: { env: CA_PASS } }
nodes:
${Array.from({ length: MAX_NODES + 1 }, (_, i) => `  - { name: b${i}, host: b${i}.example.com }`).join('\n')}
`;
    expect(problemsOf(many)).toEqual([
      `prod.yaml:3:3 nodes: an inventory holds at most ${MAX_NODES} nodes; split the fleet into several inventories`,
    ]);
  });

  it('keeps 5 backups by default, or what tls.backups says', () => {
    const [node] = parseInventory(inventory(''), 'prod.yaml', env).nodes;
    expect(node?.tls.backups).toBe(5);
    const [other] = parseInventory(inventory('    tls: { backups: 12 }\n'), 'prod.yaml', env).nodes;
    expect(other?.tls.backups).toBe(12);
  });
});

describe('YAML aliases', () => {
  it('refuses a file whose aliases expand too far ("billion laughs"), at its first alias', () => {
    const laughs = Array.from({ length: 8 }, (_, i) =>
      i === 0
        ? 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'
        : `a${i}: &a${i} [${Array(10)
            .fill(`*a${i - 1}`)
            .join(', ')}]`,
    ).join('\n');
    const [problem, ...others] = problemsOf(
      `${laughs}\nca: { dir: ./pki, password: { env: X } }\nnodes: []\n`,
    );
    expect(others).toEqual([]);
    expect(problem).toMatch(
      /^prod\.yaml:2:\d+ : its aliases \(\*name\) expand to too much \(.*\): write the values out$/,
    );
  });
});

const base = (extra: string, node = '') => `ca: { dir: ./pki, password: { env: CA } }
${extra}
nodes:
  - name: broker1
    host: broker1.example.com
${node}`;

describe('inventory: HiveMQ coverage', () => {
  it('defaults to edition auto, cluster TLS auto, passwords in config.xml and one tcp listener on 8883', () => {
    const [one] = parseInventory(base(''), 'prod.yaml', env).nodes;
    expect(one?.hivemq.editionSetting).toBe('auto');
    // Until the node is read, config.xml is written for the edition that never gets <cluster>.
    expect(one?.hivemq.edition).toBe('community');
    expect(one?.cluster.tls).toBe('auto');
    expect(one?.tls.passwordsIn).toBe('config');
    expect(one?.tls.environmentFile).toBe('/etc/ssl/hivemq/hivemq-tls.env');
    expect(one?.tls.listeners).toEqual([
      {
        type: 'tcp',
        name: 'secure-listener',
        port: 8883,
        bindAddress: '0.0.0.0',
        clientAuth: 'REQUIRED',
        protocols: ['TLSv1.3', 'TLSv1.2'],
      },
    ]);
  });

  it('reads tls.listener, clientAuth and protocols of earlier inventories as one tcp listener', () => {
    const [one] = parseInventory(
      base(
        'defaults:\n  tls: { listener: { port: 8884 }, clientAuth: OPTIONAL, protocols: [TLSv1.3], dir: /srv/tls/ }',
      ),
      'prod.yaml',
      env,
    ).nodes;
    expect(one?.tls.listeners).toEqual([
      {
        type: 'tcp',
        name: 'secure-listener',
        port: 8884,
        bindAddress: '0.0.0.0',
        clientAuth: 'OPTIONAL',
        protocols: ['TLSv1.3'],
      },
    ]);
    expect(one?.tls.environmentFile).toBe('/srv/tls/hivemq-tls.env');
  });

  it('fills every listener from the tls level, and names and paths by type', () => {
    const [one] = parseInventory(
      base(`defaults:
  tls:
    clientAuth: OPTIONAL
    cipherSuites: [TLS_AES_256_GCM_SHA384]
    passwordsIn: environment
    environmentFile: /etc/hivemq/tls.env
    listeners:
      - { port: 8883 }
      - { type: websocket, port: 8443, clientAuth: REQUIRED, protocols: [TLSv1.3] }`),
      'prod.yaml',
      env,
    ).nodes;
    expect(one?.tls.listeners).toEqual([
      {
        type: 'tcp',
        name: 'secure-listener',
        port: 8883,
        bindAddress: '0.0.0.0',
        clientAuth: 'OPTIONAL',
        protocols: ['TLSv1.3', 'TLSv1.2'],
        cipherSuites: ['TLS_AES_256_GCM_SHA384'],
      },
      {
        type: 'websocket',
        name: 'secure-websocket-listener',
        port: 8443,
        bindAddress: '0.0.0.0',
        path: '/mqtt',
        clientAuth: 'REQUIRED',
        protocols: ['TLSv1.3'],
        cipherSuites: ['TLS_AES_256_GCM_SHA384'],
      },
    ]);
    expect(one?.tls.listener).toEqual({ name: 'secure-listener', port: 8883, bindAddress: '0.0.0.0' });
    expect(one?.tls.passwordsIn).toBe('environment');
    expect(one?.tls.environmentFile).toBe('/etc/hivemq/tls.env');
  });

  it('lets a node replace the listeners of the defaults', () => {
    const [one] = parseInventory(
      base(
        'defaults:\n  tls: { listeners: [{ port: 8883 }, { type: websocket, port: 8443 }] }',
        '    tls: { listeners: [{ type: websocket, name: wss, port: 9443, path: /ws }] }',
      ),
      'prod.yaml',
      env,
    ).nodes;
    expect(one?.tls.listeners.map((l) => [l.type, l.name, l.port, l.path])).toEqual([
      ['websocket', 'wss', 9443, '/ws'],
    ]);
  });

  it('refuses listener values that cannot be one listener each, with file:line:col', () => {
    expect(
      problemsOf(
        base(`defaults:
  tls:
    listener: { port: 8884 }
    listeners:
      - { port: 8883, path: /mqtt }
      - { type: websocket }
      - { type: websocket, name: secure-listener, port: 8883, path: mqtt }`),
      ),
    ).toEqual([
      "prod.yaml:8:69 defaults.tls.listeners[2].path: write an absolute URL path such as /mqtt (letters, digits and -._~!$&'()*+,;=:@%/)",
    ]);
    expect(
      problemsOf(
        base(`defaults:
  tls:
    listener: { port: 8884 }
    listeners:
      - { port: 8883, path: /mqtt }
      - { type: websocket }
      - { type: websocket, name: secure-listener, port: 8883 }`),
      ),
    ).toEqual([
      'prod.yaml:4:5 defaults.tls.listener: give either listener or listeners, not both (listener is one tcp listener)',
      'prod.yaml:6:23 defaults.tls.listeners[0].path: only a websocket listener has a path (set type: websocket)',
      'prod.yaml:7:9 defaults.tls.listeners[1]: a websocket listener needs a port (HiveMQ has no default for wss://)',
      'prod.yaml:8:34 defaults.tls.listeners[2].name: duplicate listener name "secure-listener" (also listeners[0])',
      "prod.yaml:8:57 defaults.tls.listeners[2].port: port 8883 is also listeners[0]'s on 0.0.0.0",
    ]);
  });

  it("refuses a node's tls.listener under the defaults' listeners: which one was meant is unknown", () => {
    expect(
      problemsOf(
        base('defaults:\n  tls: { listeners: [{ port: 8883 }] }', '    tls: { listener: { port: 8884 } }'),
      ),
    ).toEqual([
      "prod.yaml:7:12 nodes[0].tls.listener: defaults.tls.listeners lists this node's listeners: override them with tls.listeners",
    ]);
  });

  it('refuses cluster TLS asked for on a node the inventory itself calls community, and values outside the enums', () => {
    expect(
      problemsOf(base('defaults:\n  hivemq: { edition: community }', '    cluster: { tls: true }')),
    ).toEqual([
      'prod.yaml:7:21 nodes[0].cluster.tls: cluster.tls: true asks for cluster transport TLS, and hivemq.edition: community has no cluster',
    ]);
    expect(
      problemsOf(
        base(
          'defaults:\n  hivemq: { edition: ce }\n  cluster: { tls: maybe }\n  tls: { passwordsIn: env, environmentFile: tls.env }',
        ),
      ),
    ).toHaveLength(4);
  });
});
