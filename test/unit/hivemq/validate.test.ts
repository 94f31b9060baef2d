// validateConfig on a small schema of the same shape as HiveMQ's: the problems name the element,
// its line and libxml2's message; hostile input loads nothing from outside.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { assertValidConfig, validateConfig } from '../../../src/hivemq/validate.js';

const XSD = `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="hivemq">
    <xs:complexType><xs:all>
      <xs:element name="listeners" minOccurs="0">
        <xs:complexType><xs:sequence><xs:element name="tls-tcp-listener" minOccurs="0" maxOccurs="unbounded">
          <xs:complexType><xs:all>
            <xs:element name="port"><xs:simpleType><xs:restriction base="xs:int">
              <xs:minInclusive value="0"/><xs:maxInclusive value="65535"/>
            </xs:restriction></xs:simpleType></xs:element>
            <xs:element name="name" type="xs:string" minOccurs="0"/>
          </xs:all></xs:complexType>
        </xs:element></xs:sequence></xs:complexType>
      </xs:element>
    </xs:all></xs:complexType>
  </xs:element>
</xs:schema>`;

const config = (port: string, extra = '') =>
  `<?xml version="1.0"?>\n<hivemq>\n  <listeners>\n    <tls-tcp-listener>\n      <port>${port}</port>\n    </tls-tcp-listener>\n  </listeners>${extra}\n</hivemq>\n`;

describe('validateConfig', () => {
  it('returns nothing for a valid document', () => {
    expect(validateConfig(config('8883'), XSD)).toEqual([]);
  });

  it('names each offending element by XPath, with its line and the schema message', () => {
    const problems = validateConfig(config('99999', '\n  <cluster/>'), XSD);
    expect(problems).toEqual([
      {
        element: '/hivemq/listeners/tls-tcp-listener/port',
        line: 5,
        message: expect.stringContaining(
          "The value '99999' is greater than the maximum value allowed ('65535')",
        ),
      },
      { element: '/hivemq/cluster', line: 8, message: "Element 'cluster': This element is not expected." },
    ]);
  });

  it('reports a document that is not well-formed with its line', () => {
    const [problem] = validateConfig('<hivemq>\n<listeners>\n</hivemq>', XSD);
    expect(problem).toMatchObject({ element: '/', line: 3 });
    expect(problem?.message).toMatch(/mismatch/);
  });

  it('loads no external entity a hostile config names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-tls-xxe-'));
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'TOPSECRET');
    const hostile = `<?xml version="1.0"?>\n<!DOCTYPE hivemq [<!ENTITY x SYSTEM "file://${secret}">]>\n<hivemq><listeners><tls-tcp-listener><port>1</port><name>&x;</name></tls-tcp-listener></listeners></hivemq>`;
    const problems = validateConfig(hostile, XSD);
    expect(problems.length).toBeGreaterThan(0); // unresolvable, so never "valid"
    expect(JSON.stringify(problems)).not.toContain('TOPSECRET');
  });

  it('refuses a schema that is not one, instead of calling everything valid', () => {
    expect(() => validateConfig(config('8883'), '<xs:schema')).toThrow(InputError);
    expect(() => validateConfig(config('8883'), '<not-a-schema/>')).toThrow(/not a usable XML Schema/);
  });
});

describe('assertValidConfig', () => {
  it('throws an InputError naming the node, the file and the element', () => {
    let error: unknown;
    try {
      assertValidConfig(config('-1'), XSD, 'broker2', '/opt/hivemq/conf/config.xml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).node).toBe('broker2');
    expect((error as InputError).message).toMatch(
      /^\/opt\/hivemq\/conf\/config\.xml as deploy-tls would write it does not validate .*\/hivemq\/listeners\/tls-tcp-listener\/port \(line 5\)/,
    );
    expect((error as InputError).hint).toMatch(/nothing was written/);
  });

  it('passes a valid config', () => {
    expect(() => assertValidConfig(config('0'), XSD, 'broker2', 'config.xml')).not.toThrow();
  });
});
