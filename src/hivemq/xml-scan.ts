// Where each element of an XML document sits in its text, so config.xml can be edited by splicing
// the original string. fast-xml-parser validates the document first (it reports line:col) but keeps
// no source offsets, so this scanner finds them. It only ever sees documents the validator accepted,
// which keeps it small: it does not check well-formedness, it only skips comments, CDATA,
// processing instructions, the doctype and quoted attribute values correctly.

export interface XmlElement {
  tag: string;
  /** Index of the `<` of the start tag. */
  start: number;
  /** Index just after the start tag's `>`. */
  openEnd: number;
  /** Index of the `</` of the end tag (equals `end` for `<tag/>`). */
  closeStart: number;
  /** Index just after the element. */
  end: number;
  selfClosing: boolean;
  children: XmlElement[];
}

/** Every top-level element of `xml` (a well-formed document has exactly one). */
export function scanElements(xml: string): XmlElement[] {
  const top: XmlElement[] = [];
  const open: XmlElement[] = [];
  let i = xml.indexOf('<');
  while (i !== -1 && i < xml.length) {
    if (xml.startsWith('<!--', i)) i = after(xml, '-->', i + 4);
    else if (xml.startsWith('<![CDATA[', i)) i = after(xml, ']]>', i + 9);
    else if (xml.startsWith('<?', i)) i = after(xml, '?>', i + 2);
    else if (xml.startsWith('<!', i)) i = afterDoctype(xml, i);
    else if (xml.startsWith('</', i)) {
      const element = open.pop();
      const end = after(xml, '>', i + 2);
      if (element) {
        element.closeStart = i;
        element.end = end;
      }
      i = end;
    } else {
      const openEnd = afterStartTag(xml, i);
      const selfClosing = xml[openEnd - 2] === '/';
      const tag = /^<([^\s/>]+)/.exec(xml.slice(i, openEnd))?.[1] ?? '';
      const element: XmlElement = {
        tag,
        start: i,
        openEnd,
        closeStart: openEnd,
        end: openEnd,
        selfClosing,
        children: [],
      };
      (open.at(-1)?.children ?? top).push(element);
      if (!selfClosing) open.push(element);
      i = openEnd;
    }
    i = xml.indexOf('<', i);
  }
  return top;
}

/** Where each comment is (`<!--` to `-->` inclusive), skipping CDATA and the like as scanElements does. */
export function scanComments(xml: string): { start: number; end: number }[] {
  const comments: { start: number; end: number }[] = [];
  let i = xml.indexOf('<');
  while (i !== -1 && i < xml.length) {
    if (xml.startsWith('<!--', i)) {
      const end = after(xml, '-->', i + 4);
      comments.push({ start: i, end });
      i = end;
    } else if (xml.startsWith('<![CDATA[', i)) i = after(xml, ']]>', i + 9);
    else if (xml.startsWith('<?', i)) i = after(xml, '?>', i + 2);
    else if (xml.startsWith('<!', i)) i = afterDoctype(xml, i);
    else i = afterStartTag(xml, i);
    i = xml.indexOf('<', i);
  }
  return comments;
}

export function childElements(parent: XmlElement, tag: string): XmlElement[] {
  return parent.children.filter((child) => child.tag === tag);
}

export function firstChild(parent: XmlElement, tag: string): XmlElement | undefined {
  return parent.children.find((child) => child.tag === tag);
}

/** The character data of an element: comments dropped, CDATA kept literally, entities decoded. */
export function textOf(xml: string, element: XmlElement): string {
  const content = xml.slice(element.openEnd, element.closeStart);
  let text = '';
  for (const part of content.split(/(<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>)/)) {
    if (part.startsWith('<!--')) continue;
    text += part.startsWith('<![CDATA[') ? part.slice(9, -3) : decodeEntities(part);
  }
  return text;
}

/** Text of the first `tag` child, or undefined when there is none. */
export function childText(xml: string, parent: XmlElement, tag: string): string | undefined {
  const child = firstChild(parent, tag);
  return child === undefined ? undefined : textOf(xml, child);
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    // An entity declared in a DTD stays as written: config.xml has no DTD.
    return NAMED_ENTITIES[ref] ?? whole;
  });
}

/**
 * Escapes element text. `"` and `'` need no escaping in text; `\r` does, or a parser would read it
 * back as `\n` (XML end-of-line normalisation) and the password would no longer match. A `$`
 * before `{` does too, for HiveMQ: its ConfigFileReader replaces every `${…}` in config.xml's raw
 * text with an environment variable (EnvVarUtil) before the XML is parsed, and starts on its default
 * config when one is not set; `&#36;` is a `$` only the XML parser sees. Any other `$` stays as it is.
 */
export function escapeText(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;')
    .replace(/\$(?=\{)/g, '&#36;');
}

function after(xml: string, terminator: string, from: number): number {
  const at = xml.indexOf(terminator, from);
  return at === -1 ? xml.length : at + terminator.length;
}

/** The end of a start tag: the first `>` that is not inside a quoted attribute value. */
function afterStartTag(xml: string, from: number): number {
  let quote: string | undefined;
  for (let i = from + 1; i < xml.length; i++) {
    const c = xml[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return xml.length;
}

/** `<!DOCTYPE …>` may hold an internal subset in brackets, which contains `>` characters. */
function afterDoctype(xml: string, from: number): number {
  const close = xml.indexOf('>', from);
  const bracket = xml.indexOf('[', from);
  if (bracket !== -1 && (close === -1 || bracket < close)) return after(xml, '>', after(xml, ']', bracket));
  return close === -1 ? xml.length : close + 1;
}
