// biome-ignore-all lint/suspicious/noTemplateCurlyInString: HiveMQ placeholders are ${…} in plain strings
import { writeFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import {
  applyTlsConfig,
  checkEditedConfig,
  type HiveMqTlsConfig,
  listenersOf,
  readPlainListeners,
  readTlsListener,
  readTlsListeners,
  redactPasswords,
  type TlsListenerSpec,
} from '../../../src/hivemq/config.js';
import { FIXTURES, fixture, GOLDEN_CASES, listenerSpec } from './cases.js';

const community = (overrides = {}): HiveMqTlsConfig => ({
  edition: 'community',
  listener: listenerSpec(overrides),
});
const STOCK = fixture('stock-ce.before.xml');
const CLUSTER = {
  bindPort: 7800,
  keystore: {
    path: '/etc/ssl/hivemq/hivemq-keystore.jks',
    password: 'cluster-store',
    privateKeyPassword: 'cluster-key',
  },
  truststore: { path: '/etc/ssl/hivemq/hivemq-truststore.jks', password: 'cluster-trust' },
};

/** A spec as readTlsListener returns it: with its type, and a websocket's path spelled out. */
const asRead = (spec: TlsListenerSpec) => ({
  ...spec,
  type: spec.type ?? 'tcp',
  ...(spec.type === 'websocket' ? { path: spec.path ?? '/mqtt' } : {}),
});

/** Lines of `before` that are not in `after` (longest common subsequence of lines). */
function removedLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs = a.map(() => new Array<number>(b.length + 1).fill(0));
  lcs.push(new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      (lcs[i] as number[])[j] =
        a[i] === b[j]
          ? ((lcs[i + 1] as number[])[j + 1] ?? 0) + 1
          : Math.max((lcs[i + 1] as number[])[j] ?? 0, (lcs[i] as number[])[j + 1] ?? 0);
  const removed: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length) {
    if (j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < b.length && ((lcs[i] as number[])[j + 1] ?? 0) >= ((lcs[i + 1] as number[])[j] ?? 0)) j++;
    else removed.push(a[i++] ?? '');
  }
  return removed;
}

describe('applyTlsConfig: golden files', () => {
  for (const { name, why, config } of GOLDEN_CASES) {
    it(`${name}: ${why}`, () => {
      const before = fixture(`${name}.before.xml`);
      const after = applyTlsConfig(before, config);
      // UPDATE_GOLDEN=1 rewrites the after-files; review their diff before committing.
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(`${FIXTURES}${name}.after.xml`, after);
      expect(after).toBe(fixture(`${name}.after.xml`));
    });

    it(`${name}: applying again changes nothing`, () => {
      const once = fixture(`${name}.after.xml`);
      expect(applyTlsConfig(once, config)).toBe(once);
    });

    it(`${name}: readTlsListener reads back what was written`, () => {
      for (const spec of listenersOf(config))
        expect(readTlsListener(fixture(`${name}.after.xml`), spec.name)).toEqual(asRead(spec));
    });
  }

  it('keeps every line of the files it only adds to, in order', () => {
    for (const name of ['stock-ce', 'several-listeners', 'no-listeners', 'enterprise-cluster'])
      expect(removedLines(fixture(`${name}.before.xml`), fixture(`${name}.after.xml`)), name).toEqual([]);
  });

  it('updates an existing listener in place: only lines holding changed values differ', () => {
    const before = fixture('existing-listener.before.xml');
    const removed = removedLines(before, fixture('existing-listener.after.xml'));
    expect(removed).toHaveLength(6);
    for (const line of removed)
      expect(line).toMatch(/^\s*<(path|password|private-key-password|client-authentication-mode)>/);
    expect(readTlsListener(before, 'secure-listener')).toMatchObject({
      clientAuthenticationMode: 'OPTIONAL',
      protocols: ['TLSv1.2'],
      keystore: { password: 'changeme' },
    });
  });

  it('changes exactly one line when one value changes', () => {
    const current = fixture('several-listeners.after.xml');
    const { config } = GOLDEN_CASES.find((c) => c.name === 'several-listeners') ?? {};
    if (!config) throw new Error('no several-listeners case');
    const next = applyTlsConfig(current, {
      ...config,
      listener: { ...listenersOf(config)[0], clientAuthenticationMode: 'OPTIONAL' } as TlsListenerSpec,
    });
    expect(removedLines(current, next)).toEqual([
      '        <client-authentication-mode>REQUIRED</client-authentication-mode>',
    ]);
    expect(removedLines(next, current)).toEqual([
      '        <client-authentication-mode>OPTIONAL</client-authentication-mode>',
    ]);
  });
});

describe('applyTlsConfig: structure', () => {
  it('never writes <cluster> for community, even when given a cluster spec', () => {
    const out = applyTlsConfig(STOCK, { ...community(), cluster: CLUSTER });
    expect(out).not.toContain('cluster');
    expect(out).toBe(fixture('stock-ce.after.xml'));
  });

  it('creates <cluster> with only the transport for enterprise when there is none', () => {
    const out = applyTlsConfig(STOCK, {
      edition: 'enterprise',
      listener: listenerSpec(),
      cluster: { ...CLUSTER, bindAddress: '10.0.0.11' },
    });
    const cluster = out.slice(out.indexOf('<cluster>'), out.indexOf('</cluster>'));
    expect(cluster).toContain('<bind-address>10.0.0.11</bind-address>');
    expect(cluster).toContain('<server-certificate-truststore>');
    // Turning clustering on is the operator's decision, not a side effect of securing it.
    expect(cluster).not.toMatch(/<cluster>\s*<enabled>/);
  });

  it('leaves an existing cluster alone for enterprise without a cluster spec', () => {
    const before = fixture('enterprise-cluster.before.xml');
    const out = applyTlsConfig(before, { edition: 'enterprise', listener: listenerSpec() });
    expect(out.slice(out.indexOf('<cluster>'))).toBe(before.slice(before.indexOf('<cluster>')));
  });

  it('refuses cluster TLS on a UDP cluster transport', () => {
    const udp = fixture('enterprise-cluster.before.xml').replace(/<tcp>[\s\S]*<\/tcp>/, '<udp/>');
    expect(() =>
      applyTlsConfig(udp, { edition: 'enterprise', listener: listenerSpec(), cluster: CLUSTER }),
    ).toThrow('config.xml has a UDP cluster transport, and cluster TLS needs TCP');
  });

  it('keeps CRLF line endings', () => {
    const crlf = STOCK.replace(/\n/g, '\r\n');
    expect(applyTlsConfig(crlf, community())).toBe(fixture('stock-ce.after.xml').replace(/\n/g, '\r\n'));
  });

  it('expands a self-closing <listeners/> and works on a file without an XML declaration', () => {
    const out = applyTlsConfig('<hivemq>\n  <listeners/>\n</hivemq>\n', community({ truststore: undefined }));
    expect(out).toMatch(/^<hivemq>\n {2}<listeners>\n {4}<tls-tcp-listener>\n {6}<port>8883<\/port>/);
    expect(out).toMatch(/<\/tls-tcp-listener>\n {2}<\/listeners>\n<\/hivemq>\n$/);
    expect(applyTlsConfig(out, community({ truststore: undefined }))).toBe(out);
  });

  it("takes over an unnamed tls-tcp-listener on the same port (HiveMQ's TLS sample) instead of adding a second", () => {
    const before = fixture('existing-listener.before.xml').replace('<name>secure-listener</name>\n', '');
    const out = applyTlsConfig(before, community());
    expect(out.match(/<tls-tcp-listener>/g)).toHaveLength(1);
    expect(readTlsListener(out, 'secure-listener')?.port).toBe(8883);
  });

  it('refuses a listener whose port another listener already binds', () => {
    const config = community({ port: 1883 });
    expect(() => applyTlsConfig(STOCK, config)).toThrow(InputError);
    expect(() => applyTlsConfig(STOCK, config)).toThrow(
      'config.xml already has a tcp-listener on 0.0.0.0:1883',
    );
    // Different specific addresses do not clash.
    const specific = fixture('several-listeners.before.xml');
    expect(() => applyTlsConfig(specific, community({ port: 1883, bindAddress: '10.0.0.99' }))).not.toThrow();
  });

  it('removes <protocols> for an empty list and leaves it alone when undefined', () => {
    const current = fixture('existing-listener.after.xml');
    const removed = applyTlsConfig(current, community({ protocols: [] }));
    expect(removed).not.toContain('protocol');
    expect(removedLines(current, removed).every((line) => /protocol/.test(line))).toBe(true);
    expect(applyTlsConfig(current, community())).toBe(current);
  });

  it('leaves an existing truststore alone when the spec has none', () => {
    const current = fixture('existing-listener.after.xml');
    expect(applyTlsConfig(current, community({ truststore: undefined }))).toBe(current);
  });

  it('refuses bad specs before touching anything', () => {
    expect(() =>
      applyTlsConfig(STOCK, community({ clientAuthenticationMode: 'required' as 'REQUIRED' })),
    ).toThrow('client authentication mode "required" is not NONE, OPTIONAL or REQUIRED');
    expect(() => applyTlsConfig(STOCK, community({ port: 70000 }))).toThrow(
      'listener "secure-listener" port 70000 is not a port',
    );
    const nul = listenerSpec().keystore;
    expect(() => applyTlsConfig(STOCK, community({ keystore: { ...nul, password: 'a\u0000b' } }))).toThrow(
      InputError,
    );
  });
});

describe('escaping', () => {
  const password = `p<&>"'ss]]>word`;
  const keystore = { path: '/etc/ssl/hivemq/a&b <x>.jks', password, privateKeyPassword: ` lead and trail\t` };

  it('writes markup characters escaped and reads them back exactly', () => {
    const out = applyTlsConfig(STOCK, community({ keystore }));
    expect(out).toContain('<password>p&lt;&amp;&gt;"\'ss]]&gt;word</password>');
    expect(readTlsListener(out, 'secure-listener')?.keystore).toEqual(keystore);
    expect(applyTlsConfig(out, community({ keystore }))).toBe(out);
  });

  it('agrees with an independent parser (fast-xml-parser) on the stored values', () => {
    const out = applyTlsConfig(STOCK, community({ keystore }));
    const parsed = new XMLParser({ trimValues: false, parseTagValue: false }).parse(out);
    // trimValues: false also keeps the indentation between elements as "#text", hence toMatchObject.
    expect(parsed.hivemq.listeners['tls-tcp-listener'].tls.keystore).toMatchObject({
      path: keystore.path,
      password,
      'private-key-password': keystore.privateKeyPassword,
    });
  });

  it('writes a carriage return as a character reference, so XML end-of-line handling keeps it', () => {
    const out = applyTlsConfig(STOCK, community({ keystore: { ...keystore, password: 'a\rb' } }));
    expect(out).toContain('<password>a&#13;b</password>');
    expect(readTlsListener(out, 'secure-listener')?.keystore?.password).toBe('a\rb');
  });
});

describe('redactPasswords', () => {
  it('hides every password and private-key-password, listener and cluster, and nothing else', () => {
    const out = applyTlsConfig(fixture('enterprise-cluster.before.xml'), {
      edition: 'enterprise',
      listener: listenerSpec({ keystore: { ...listenerSpec().keystore, password: 'a<b' } }),
      cluster: CLUSTER,
    });
    const redacted = redactPasswords(out);
    for (const secret of [
      'a&lt;b',
      'test-key-pass',
      'test-trust-pass',
      'cluster-store',
      'cluster-key',
      'cluster-trust',
    ])
      expect(redacted).not.toContain(secret);
    expect(redacted.match(/<password>\*\*\*<\/password>/g)).toHaveLength(4);
    expect(redacted.match(/<private-key-password>\*\*\*<\/private-key-password>/g)).toHaveLength(2);
    const lines = (xml: string) => xml.split('\n').filter((line) => !/password>/.test(line));
    expect(lines(redacted)).toEqual(lines(out));
  });

  it('hides passwords in comments and in files too broken to parse', () => {
    // In a comment (and in a broken file) a password start tag hides everything up to its end tag,
    // or up to the end when there is none.
    expect(redactPasswords('<!-- <password>old</password> --><hivemq><private-key-password>x')).toBe(
      '<!-- <password>***</password> --><hivemq><private-key-password>***',
    );
    expect(
      redactPasswords(
        '<hivemq>\n  <!-- <keystore><password>old</password>\n  <private-key-password>old2 -->\n</hivemq>',
      ),
    ).toBe('<hivemq>\n  <!-- <keystore><password>***</password>\n  <private-key-password>***-->\n</hivemq>');
    expect(redactPasswords('<password></password><password/>')).toBe('<password></password><password/>');
  });

  it('works on the element tree: CDATA, attributes with ">" and look-alike text cannot fool it', () => {
    const xml = [
      '<hivemq>',
      // A CDATA section may hold "</password>": the regex stopped there and printed the rest.
      '  <keystore><password><![CDATA[first</password>rest]]></password></keystore>',
      '  <truststore><password note="a>b">quoted</password></truststore>',
      '  <description><![CDATA[<password>not a password</password>]]></description>',
      '  <PASSWORD> spaced </PASSWORD>',
      '</hivemq>',
    ].join('\n');
    expect(redactPasswords(xml)).toBe(
      [
        '<hivemq>',
        '  <keystore><password>***</password></keystore>',
        '  <truststore><password note="a>b">***</password></truststore>',
        '  <description><![CDATA[<password>not a password</password>]]></description>',
        '  <PASSWORD>***</PASSWORD>',
        '</hivemq>',
      ].join('\n'),
    );
  });
});

describe('input errors', () => {
  it('names line:col of malformed XML', () => {
    const broken = STOCK.replace('</tcp-listener>', '</tcp-listner>');
    const error = (() => {
      try {
        applyTlsConfig(broken, community());
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^config\.xml is not well-formed XML at line 26:\d+: /);
    expect((error as InputError).hint).toBeTruthy();
    expect(() => readTlsListener(broken, 'secure-listener')).toThrow(InputError);
  });

  it('refuses a config.xml holding a character XML 1.0 does not allow, naming line:col', () => {
    // fast-xml-parser's validator lets it through; HiveMQ's parser would not, and CE then serves
    // its default config (plain MQTT): such a file must never be edited and written back.
    const broken = STOCK.replace('<port>1883</port>', '<port>1883</port><!-- \u0001 -->');
    expect(() => applyTlsConfig(broken, community())).toThrow(
      /^config\.xml is not well-formed XML at line \d+:\d+: U\+0001 is not a character XML 1\.0 allows$/,
    );
  });

  it.each([
    ['name', { name: 'secure\u0001listener' }],
    ['bind address', { bindAddress: '0.0.0.0\n' }],
    ['protocols', { protocols: ['TLSv1.3\u0000'] }],
    ['cipher suites', { cipherSuites: ['TLS_AES_128_GCM_SHA256\t'] }],
    ['keystore path', { keystore: { ...listenerSpec().keystore, path: '/etc/ssl/\u001bx.jks' } }],
    ['private key password', { keystore: { ...listenerSpec().keystore, privateKeyPassword: 'a\u0002' } }],
    ['truststore password (a lone surrogate)', { truststore: { path: '/t.jks', password: 'a\ud800b' } }],
  ])('refuses a listener %s XML cannot hold, before editing', (_what, overrides) => {
    expect(() => applyTlsConfig(STOCK, community(overrides))).toThrow(/^cannot write the TLS listener/);
  });

  it('re-reads its output and refuses one that is not well-formed or does not say what was asked', () => {
    const config = community();
    const good = applyTlsConfig(STOCK, config);
    expect(checkEditedConfig(good, config)).toBe(good);
    expect(() => checkEditedConfig(good.replace('</tls-tcp-listener>', ''), config)).toThrow(
      /^the edited config\.xml is not valid: config\.xml is not well-formed XML at line \d+:\d+: .*; nothing was written$/,
    );
    expect(() =>
      checkEditedConfig(good.replace('<name>secure-listener</name>', '<name>other</name>'), config),
    ).toThrow(/does not read back as asked \(port, bind-address, .*\)/);
    expect(() => checkEditedConfig(good.replace('test-store-pass', 'test-store-pass '), config)).toThrow(
      'the edited config.xml does not read back as asked (keystore password of listener "secure-listener"); nothing was written',
    );
    expect(() => checkEditedConfig(good.replace('REQUIRED', 'NONE'), config)).toThrow(
      '(client-authentication-mode of',
    );
  });

  it('refuses a document whose root is not <hivemq>', () => {
    expect(() => applyTlsConfig('<?xml version="1.0"?>\n<configuration/>', community())).toThrow(
      'config.xml must have exactly one root element <hivemq>, found <configuration>',
    );
    expect(() => applyTlsConfig('', community())).toThrow(InputError);
  });
});

describe('readTlsListener', () => {
  it('returns undefined for a listener that is not there', () => {
    expect(readTlsListener(STOCK, 'secure-listener')).toBeUndefined();
    expect(readTlsListener('<hivemq/>', 'secure-listener')).toBeUndefined();
  });

  it('reads a listener it did not write', () => {
    expect(readTlsListener(fixture('several-listeners.before.xml'), 'legacy-tls')).toEqual({
      type: 'tcp',
      name: 'legacy-tls',
      port: 8884,
      bindAddress: '0.0.0.0',
      keystore: {
        path: '/etc/partner/keystore.jks',
        password: 'partner-store',
        privateKeyPassword: 'partner-key',
      },
      clientAuthenticationMode: 'NONE',
    });
  });
});

describe('several listeners, tcp and websocket', () => {
  const WS_BEFORE = fixture('websocket-and-tcp.before.xml');
  const ws = (overrides: Partial<TlsListenerSpec> = {}) =>
    listenerSpec({ type: 'websocket', name: 'secure-ws', port: 8001, ...overrides });
  const both = (...listeners: TlsListenerSpec[]): HiveMqTlsConfig => ({ edition: 'community', listeners });

  it('writes a new websocket listener with its path, in the order the xsd declares', () => {
    const out = applyTlsConfig(STOCK, both(ws({ port: 8443, path: '/ws' })));
    const element = out.slice(
      out.indexOf('<tls-websocket-listener>'),
      out.indexOf('</tls-websocket-listener>'),
    );
    const order = [...element.matchAll(/^ {12}<([a-z-]+)>/gm)].map((m) => m[1]);
    expect(order).toEqual(['port', 'bind-address', 'name', 'path', 'tls']);
    expect(element).toContain('<path>/ws</path>');
    expect(readTlsListener(out, 'secure-ws')).toMatchObject({ type: 'websocket', port: 8443, path: '/ws' });
  });

  it('spells out the default path /mqtt, so the config says what clients must use', () => {
    const out = applyTlsConfig(STOCK, both(ws({ port: 8443 })));
    expect(out).toContain('<path>/mqtt</path>');
    expect(applyTlsConfig(out, both(ws({ port: 8443, path: '/mqtt' })))).toBe(out);
  });

  it('leaves every listener the inventory does not name as it was, byte for byte', () => {
    const out = applyTlsConfig(WS_BEFORE, both(listenerSpec(), ws()));
    const element = (xml: string, from: string, to: string) => {
      const start = xml.indexOf(from);
      return xml.slice(start, xml.indexOf(to, start) + to.length);
    };
    for (const [from, to] of [
      ['<tcp-listener>', '</tcp-listener>'],
      ['<websocket-listener>', '</websocket-listener>'],
      ['<tls-tcp-listener>\n            <port>8884', '</tls-tcp-listener>'],
    ] as const)
      expect(element(out, from, to)).toBe(element(WS_BEFORE, from, to));
  });

  it('gives an unnamed TLS listener to one spec only', () => {
    const out = applyTlsConfig(WS_BEFORE, both(ws(), ws({ name: 'second-ws', port: 8002 })));
    expect(out.match(/<tls-websocket-listener>/g)).toHaveLength(2);
    expect(readTlsListener(out, 'secure-ws')?.port).toBe(8001);
    expect(readTlsListener(out, 'second-ws')?.port).toBe(8002);
  });

  it('refuses two listeners with one name or one port, a tcp listener with a path and a relative path', () => {
    expect(() => applyTlsConfig(STOCK, both(listenerSpec(), listenerSpec({ port: 8884 })))).toThrow(
      'two listeners are named "secure-listener"',
    );
    expect(() => applyTlsConfig(STOCK, both(listenerSpec(), ws({ port: 8883 })))).toThrow(
      'listeners "secure-listener" and "secure-ws" both want 0.0.0.0:8883',
    );
    expect(() => applyTlsConfig(STOCK, both(listenerSpec({ path: '/mqtt' })))).toThrow(
      'only a websocket listener has a path',
    );
    expect(() => applyTlsConfig(STOCK, both(ws({ path: 'mqtt' })))).toThrow('is not an absolute path');
    expect(() => applyTlsConfig(STOCK, both())).toThrow('no TLS listener is given');
  });

  it('refuses to turn a tcp listener into a websocket one behind the operator', () => {
    const tcp = applyTlsConfig(STOCK, community());
    expect(() => applyTlsConfig(tcp, both(ws({ name: 'secure-listener', port: 8443 })))).toThrow(
      'config.xml has a <tls-tcp-listener> named "secure-listener"',
    );
  });

  it('refuses a websocket port another listener binds', () => {
    expect(() => applyTlsConfig(WS_BEFORE, both(ws({ name: 'x', port: 8000 })))).toThrow(
      'config.xml already has a websocket-listener "my-websocket-listener" on 0.0.0.0:8000',
    );
  });

  it('reads every TLS listener, and every plain one with its defaults', () => {
    const out = applyTlsConfig(WS_BEFORE, both(listenerSpec(), ws()));
    expect(readTlsListeners(out).map((l) => [l.type, l.name, l.port])).toEqual([
      ['websocket', 'secure-ws', 8001],
      ['tcp', 'partner', 8884],
      ['tcp', 'secure-listener', 8883],
    ]);
    expect(readPlainListeners(WS_BEFORE)).toEqual([
      { type: 'tcp', port: 1883, bindAddress: '0.0.0.0' },
      { type: 'websocket', port: 8000, bindAddress: '0.0.0.0', name: 'my-websocket-listener', path: '/mqtt' },
    ]);
    expect(
      readPlainListeners(
        '<hivemq><listeners><tcp-listener><port>1883</port></tcp-listener></listeners></hivemq>',
      ),
    ).toEqual([{ type: 'tcp', port: 1883, bindAddress: '0.0.0.0' }]);
    expect(readPlainListeners(out)).toEqual(readPlainListeners(WS_BEFORE));
  });
});

describe('checkEditedConfig with several listeners and placeholders', () => {
  const config: HiveMqTlsConfig = {
    edition: 'community',
    listeners: [
      listenerSpec({
        keystore: { ...listenerSpec().keystore, password: { env: 'HIVEMQ_TLS_KEYSTORE_PASSWORD' } },
      }),
      listenerSpec({ type: 'websocket', name: 'secure-ws', port: 8443, path: '/mqtt' }),
    ],
  };

  it('reads every listener back, placeholders as the text HiveMQ will replace', () => {
    const good = applyTlsConfig(fixture('stock-ce.before.xml'), config);
    expect(checkEditedConfig(good, config)).toBe(good);
  });

  it("refuses an output whose second listener's path or type is not what was asked", () => {
    const good = applyTlsConfig(fixture('stock-ce.before.xml'), config);
    expect(() =>
      checkEditedConfig(good.replace('<path>/mqtt</path>', '<path>/other</path>'), config),
    ).toThrow('does not read back as asked (path of listener "secure-ws")');
    expect(() =>
      checkEditedConfig(good.replace('${ENV:HIVEMQ_TLS_KEYSTORE_PASSWORD}', '${ENV:OTHER}'), config),
    ).toThrow('(keystore password of listener "secure-listener")');
  });
});
