// Makes a part of an XML document say what a desired tree says, by splicing the original text:
// elements that already hold the wanted value are not touched, a changed value replaces only that
// element's text, a missing element is inserted after its last sibling in the indentation the file
// already uses. Everything else (comments, other elements, order, whitespace) stays byte-identical,
// so an operator's diff of config.xml shows exactly what changed.
import { childElements, escapeText, firstChild, textOf, type XmlElement } from './xml-scan.js';

/** A leaf holding text. `collapse` compares values as XML Schema's whiteSpace=collapse does. */
export interface LeafNode {
  kind: 'leaf';
  tag: string;
  value: string;
  collapse: boolean;
  /**
   * The exact markup between the tags, compared and written as it is instead of `value`: for text
   * whose raw form matters to HiveMQ, which reads `${…}` placeholders before it parses the XML.
   */
  markup?: string;
}

/** An element whose listed children are reconciled; children not listed are left alone. */
export interface BranchNode {
  kind: 'branch';
  tag: string;
  children: DesiredNode[];
  /** Finds the element to reconcile among the parent's children; default: the first with `tag`. */
  locate?: (parent: XmlElement) => XmlElement | undefined;
}

/** `<tag><item>a</item><item>b</item></tag>`, compared and rewritten as a whole (comments inside it go). */
export interface ListNode {
  kind: 'list';
  tag: string;
  itemTag: string;
  items: string[];
}

/** An element that must not exist: removed with the whitespace before it. */
export interface AbsentNode {
  kind: 'absent';
  tag: string;
}

export type DesiredNode = LeafNode | BranchNode | ListNode | AbsentNode;

interface Edit {
  start: number;
  end: number;
  text: string;
}

interface Layout {
  xml: string;
  newline: string;
  unit: string;
}

/** Reconciles `desired` (the wanted children of `parent`) into `xml` and returns the new text. */
export function reconcile(xml: string, parent: XmlElement, desired: DesiredNode[]): string {
  const layout: Layout = {
    xml,
    newline: xml.includes('\r\n') ? '\r\n' : '\n',
    unit: indentUnit(xml, parent),
  };
  const edits: Edit[] = [];
  reconcileChildren(layout, parent, desired, edits);
  // Edits never overlap (see reconcileChildren), so applying them back to front keeps offsets valid.
  edits.sort((a, b) => b.start - a.start);
  let out = xml;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/**
 * Edits inside an existing child lie within that child; removals end at a child's end; the one
 * insertion of missing children starts at or after the last child's end. So no two edits overlap.
 */
function reconcileChildren(layout: Layout, parent: XmlElement, desired: DesiredNode[], edits: Edit[]): void {
  const { xml } = layout;
  const missing: DesiredNode[] = [];
  for (const node of desired) {
    const existing =
      node.kind === 'branch' && node.locate ? node.locate(parent) : firstChild(parent, node.tag);
    if (node.kind === 'absent') {
      if (existing)
        edits.push({
          start: whitespaceStart(xml, existing.start, parent.openEnd),
          end: existing.end,
          text: '',
        });
    } else if (!existing) missing.push(node);
    else if (node.kind === 'branch') reconcileChildren(layout, existing, node.children, edits);
    else if (node.kind === 'leaf') {
      if (node.markup !== undefined) {
        const current = existing.selfClosing ? '' : xml.slice(existing.openEnd, existing.closeStart);
        if (current !== node.markup) edits.push(replaceContent(layout, existing, node.markup));
      } else if (!sameText(textOf(xml, existing), node.value, node.collapse))
        edits.push(replaceContent(layout, existing, escapeText(node.value)));
    } else if (!sameItems(layout, existing, node)) {
      const indent = indentOf(xml, existing);
      const items = node.items.map((item) => `${indent}${layout.unit}${renderLeaf(node.itemTag, item)}`);
      edits.push(
        replaceContent(
          layout,
          existing,
          `${layout.newline}${items.join(layout.newline)}${layout.newline}${indent}`,
        ),
      );
    }
  }
  if (missing.length > 0) edits.push(insertChildren(layout, parent, missing));
}

function insertChildren(layout: Layout, parent: XmlElement, nodes: DesiredNode[]): Edit {
  const { xml, newline } = layout;
  const parentIndent = indentOf(xml, parent);
  const childIndent = childIndentOf(layout, parent);
  const rendered = nodes.map((node) => childIndent + render(layout, node, childIndent));
  const block = rendered.join(newline);
  if (parent.selfClosing) {
    const startTag = `${xml.slice(parent.start, parent.openEnd - 2).trimEnd()}>`;
    return {
      start: parent.start,
      end: parent.end,
      text: `${startTag}${newline}${block}${newline}${parentIndent}</${parent.tag}>`,
    };
  }
  const content = xml.slice(parent.openEnd, parent.closeStart);
  if (content.trim() === '')
    return {
      start: parent.openEnd,
      end: parent.closeStart,
      text: `${newline}${block}${newline}${parentIndent}`,
    };
  // After the last child (element, comment or text), before the whitespace that indents the end tag.
  const at = whitespaceStart(xml, parent.closeStart, parent.openEnd);
  return { start: at, end: at, text: rendered.map((line) => newline + line).join('') };
}

function replaceContent(layout: Layout, element: XmlElement, content: string): Edit {
  if (!element.selfClosing) return { start: element.openEnd, end: element.closeStart, text: content };
  const startTag = `${layout.xml.slice(element.start, element.openEnd - 2).trimEnd()}>`;
  return { start: element.start, end: element.end, text: `${startTag}${content}</${element.tag}>` };
}

/** A new element as text; its first line is indented by the caller, inner lines by `indent` + unit. */
function render(layout: Layout, node: DesiredNode, indent: string): string {
  const inner = indent + layout.unit;
  const lines = (children: string[]) =>
    `${children.map((child) => layout.newline + inner + child).join('')}${layout.newline}${indent}`;
  switch (node.kind) {
    case 'leaf':
      return node.markup === undefined
        ? renderLeaf(node.tag, node.value)
        : `<${node.tag}>${node.markup}</${node.tag}>`;
    case 'list':
      return `<${node.tag}>${lines(node.items.map((item) => renderLeaf(node.itemTag, item)))}</${node.tag}>`;
    case 'branch': {
      const children = node.children.filter((child) => child.kind !== 'absent');
      return `<${node.tag}>${lines(children.map((child) => render(layout, child, inner)))}</${node.tag}>`;
    }
    case 'absent':
      return '';
  }
}

function renderLeaf(tag: string, value: string): string {
  return `<${tag}>${escapeText(value)}</${tag}>`;
}

function sameText(actual: string, wanted: string, collapse: boolean): boolean {
  return collapse ? collapseSpace(actual) === collapseSpace(wanted) : actual === wanted;
}

function sameItems(layout: Layout, element: XmlElement, node: ListNode): boolean {
  const items = childElements(element, node.itemTag).map((item) => collapseSpace(textOf(layout.xml, item)));
  return (
    items.length === node.items.length &&
    items.every((item, i) => item === collapseSpace(node.items[i] ?? ''))
  );
}

function collapseSpace(value: string): string {
  return value.replace(/[\t\n\r ]+/g, ' ').trim();
}

/** Scans back over whitespace from `index`, but not before `floor`. */
function whitespaceStart(xml: string, index: number, floor: number): number {
  let at = index;
  while (at > floor && /\s/.test(xml[at - 1] ?? '')) at--;
  return at;
}

/** The whitespace that starts the element's line, or '' when something else precedes it there. */
function indentOf(xml: string, element: XmlElement): string {
  const lineStart = xml.lastIndexOf('\n', element.start - 1) + 1;
  const lead = xml.slice(lineStart, element.start);
  return /^[ \t]*$/.test(lead) ? lead : '';
}

/** Indentation for a new child: that of an existing child on its own line, else parent + unit. */
function childIndentOf(layout: Layout, parent: XmlElement): string {
  for (const child of parent.children) {
    const lead = layout.xml.slice(layout.xml.lastIndexOf('\n', child.start - 1) + 1, child.start);
    if (/^[ \t]*$/.test(lead) && layout.xml.lastIndexOf('\n', child.start - 1) >= parent.openEnd) return lead;
  }
  return indentOf(layout.xml, parent) + layout.unit;
}

/** The file's indentation step, learned from the first nesting found below `root`; 4 spaces by default. */
function indentUnit(xml: string, root: XmlElement): string {
  const pending = [root];
  for (let parent = pending.shift(); parent; parent = pending.shift()) {
    const parentIndent = indentOf(xml, parent);
    for (const child of parent.children) {
      const childLineStart = xml.lastIndexOf('\n', child.start - 1) + 1;
      const lead = xml.slice(childLineStart, child.start);
      if (
        childLineStart > parent.start &&
        /^[ \t]+$/.test(lead) &&
        lead.startsWith(parentIndent) &&
        lead.length > parentIndent.length
      )
        return lead.slice(parentIndent.length);
      pending.push(child);
    }
  }
  return '    ';
}
