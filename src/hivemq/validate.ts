// config.xml checked against the node's own conf/config.xsd before it is written. HiveMQ CE reads a
// config it cannot unmarshal by logging "Could not read the configuration file … Using default
// config" and starting with defaults (ConfigFileReader), i.e. plain MQTT on 1883 and no TLS at all:
// a restart "succeeds" and the fleet is open. Enterprise refuses to start instead. Either way the
// only safe time to find the problem is before the write, on the control host.
//
// Why libxml2-wasm (libxml2 2.14 compiled to WebAssembly, no native build) and not xmllint-wasm:
// both are maintained MIT packages, but xmllint-wasm wraps the xmllint CLI in a worker thread per
// call and reports file:line only, while libxml2-wasm is the library itself, runs in-process
// (about 6 ms per validation here once warm, against 600 ms) and reports each error's XPath, so the
// message names the element. Nothing in the wasm sandbox can read files or the network unless an
// input provider is registered (none is), so a hostile schema's xs:include/xs:import or a
// config's external entity loads nothing.
import { ParseOption, XmlDocument, XmlError, XmlLibError, XsdValidator } from 'libxml2-wasm';
import { InputError } from '../errors.js';

export interface ConfigProblem {
  /** XPath of the offending element, e.g. /hivemq/listeners/tls-tcp-listener/port; '/' for the document. */
  element: string;
  line: number;
  /** libxml2's message, e.g. "Element 'port': [facet 'maxInclusive'] The value '99999' is greater …". */
  message: string;
}

// No external entities, DTDs or network: config.xml and config.xsd are read from a node, so hostile.
const PARSE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE;

/**
 * What the schema says is wrong with `xml` ([] when it validates). A schema that does not parse or
 * is not an XML Schema is an InputError: nothing can be checked against it.
 */
export function validateConfig(xml: string, xsd: string): ConfigProblem[] {
  const schema = parse(xsd);
  if (Array.isArray(schema))
    throw new InputError(`the node's config.xsd is not well-formed XML: ${summary(schema)}`, {
      hint: "restore HiveMQ's conf/config.xsd from the installation archive of the installed version",
    });
  let validator: XsdValidator | undefined;
  try {
    try {
      validator = XsdValidator.fromDoc(schema);
    } catch (error) {
      throw new InputError(`the node's config.xsd is not a usable XML Schema: ${errorText(error)}`, {
        hint: "restore HiveMQ's conf/config.xsd from the installation archive of the installed version",
        cause: error,
      });
    }
    const doc = parse(xml);
    if (Array.isArray(doc)) return doc;
    try {
      validator.validate(doc);
      return [];
    } catch (error) {
      return problemsOf(error);
    } finally {
      doc.dispose();
    }
  } finally {
    validator?.dispose();
    schema.dispose();
  }
}

/** One line per problem: "/hivemq/listeners/tls-tcp-listener/port (line 5): Element 'port': …". */
export function describeProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${p.element} (line ${p.line}): ${p.message}`).join('; ');
}

/**
 * Throws an InputError naming the node, each element and the schema's message when `xml` does not
 * validate; the rollout calls it on the desired config.xml before any file is written.
 */
export function assertValidConfig(xml: string, xsd: string, node: string, configPath: string): void {
  const problems = validateConfig(xml, xsd);
  if (problems.length === 0) return;
  throw new InputError(
    `${configPath} as deploy-tls would write it does not validate against the node's config.xsd: ${describeProblems(problems)}`,
    {
      node,
      hint: 'nothing was written; fix the inventory value behind that element (or the hand-made part of config.xml) and run again',
    },
  );
}

function parse(text: string): XmlDocument | ConfigProblem[] {
  try {
    return XmlDocument.fromString(text, { option: PARSE_OPTIONS });
  } catch (error) {
    return problemsOf(error);
  }
}

function problemsOf(error: unknown): ConfigProblem[] {
  // libxml2 answers "internal error" rather than valid/invalid for what it cannot check, e.g. an
  // entity reference left unexpanded because external entities are off: never treat that as valid.
  if (error instanceof XmlError && !(error instanceof XmlLibError))
    return [{ element: '/', line: 0, message: `libxml2 could not validate the document: ${error.message}` }];
  if (!(error instanceof XmlLibError)) throw error;
  // Warnings (level 1) do not make a document invalid; errors (2) and fatal errors (3) do.
  const errors = error.details.filter((detail) => detail.level > 1);
  if (errors.length === 0) return [{ element: '/', line: 0, message: error.message.trim() }];
  return errors.map((detail) => ({
    element: detail.xpath || '/',
    line: detail.line,
    message: detail.message.trim(),
  }));
}

function summary(problems: readonly ConfigProblem[]): string {
  const [first] = problems;
  return first ? `line ${first.line}: ${first.message}` : 'unreadable';
}

function errorText(error: unknown): string {
  return error instanceof XmlLibError
    ? error.details.map((d) => d.message.trim()).join('; ') || error.message
    : String(error);
}
