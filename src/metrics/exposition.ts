// Prometheus's text exposition format (version 0.0.4), both ways: families → text, and text → samples
// for the families we wrote before. Rules from https://prometheus.io/docs/instrumenting/exposition_formats/:
// one HELP and one TYPE line per family before its samples, label values escape \ " and newline, HELP
// text escapes \ and newline, every line ends with \n. No sample timestamps: node_exporter's textfile
// collector refuses files that carry them.

export type MetricType = 'gauge' | 'counter' | 'untyped';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels: Labels;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** Go's ParseFloat spellings, which Prometheus reads: NaN, +Inf, -Inf, else JavaScript's shortest form. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return '';
  for (const [name] of pairs) {
    // Label names are ours, never from input: a bad one is a programming error.
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`invalid label name ${name}`);
  }
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** Families in the order given, samples sorted by their labels so that reruns diff cleanly. */
export function formatExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${family.name}`);
    if (family.samples.length === 0) continue; // a family without samples is noise to promtool and readers
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    const rows = family.samples.map((s) => `${family.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
    lines.push(...rows.sort());
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export interface ParsedSample extends Sample {
  name: string;
}

/**
 * Samples of the named families in `text`. The file may have been edited or damaged by anyone who can
 * write to the textfile folder: a line that is not a well-formed sample of one of `names` is skipped,
 * never interpreted, and the caller re-renders what it keeps through formatExposition.
 */
export function parseSamples(text: string, names: ReadonlySet<string>): ParsedSample[] {
  const samples: ParsedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (sample && names.has(sample.name)) samples.push(sample);
  }
  return samples;
}

function parseSampleLine(line: string): ParsedSample | undefined {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) return undefined;
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (!parsed) return undefined;
    labels = { ...parsed.labels };
    rest = rest.slice(parsed.length);
  }
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length !== 1 || !/^[ \t]/.test(rest)) return undefined; // a timestamp or junk after the value
  const value = parseValue(fields[0] ?? '');
  return value === undefined ? undefined : { name, labels, value };
}

function parseValue(text: string): number | undefined {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** `{a="x",b="y\"z"}` at the start of `text` → labels and the number of characters read. */
function parseLabels(text: string): { labels: Record<string, string>; length: number } | undefined {
  const labels: Record<string, string> = Object.create(null); // a label named __proto__ stays a label
  let i = 1;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, length: i + 1 };
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i))?.[0];
    if (!name || text[i + name.length] !== '=' || text[i + name.length + 1] !== '"') return undefined;
    i += name.length + 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) return undefined;
      i++;
      if (c === '"') break;
      if (c !== '\\') {
        value += c;
        continue;
      }
      const escaped = text[i++];
      if (escaped === 'n') value += '\n';
      else if (escaped === '\\' || escaped === '"') value += escaped;
      else return undefined;
    }
    if (name.startsWith('__') || Object.hasOwn(labels, name)) return undefined; // __ is Prometheus's own
    labels[name] = value;
    while (text[i] === ' ') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') return undefined;
  }
}
