import { describe, expect, it } from 'vitest';
import {
  escapeLabelValue,
  formatExposition,
  formatValue,
  parseSamples,
} from '../../../src/metrics/exposition.js';

describe('formatExposition', () => {
  it('writes HELP and TYPE once per family, samples sorted, escapes as the format says', () => {
    const text = formatExposition([
      {
        name: 'x_seconds',
        help: 'a back\\slash and a\nnewline',
        type: 'gauge',
        samples: [
          { labels: { node: 'b' }, value: 2 },
          { labels: { node: 'a"\\\nz' }, value: 1.5 },
        ],
      },
      { name: 'empty', help: 'no samples', type: 'gauge', samples: [] },
      { name: 'y', help: 'h', type: 'gauge', samples: [{ labels: {}, value: Number.POSITIVE_INFINITY }] },
    ]);
    expect(text).toBe(
      [
        '# HELP x_seconds a back\\\\slash and a\\nnewline',
        '# TYPE x_seconds gauge',
        'x_seconds{node="a\\"\\\\\\nz"} 1.5',
        'x_seconds{node="b"} 2',
        '# HELP y h',
        '# TYPE y gauge',
        'y +Inf',
        '',
      ].join('\n'),
    );
  });

  it('refuses names the format cannot carry', () => {
    expect(() => formatExposition([{ name: 'a-b', help: '', type: 'gauge', samples: [] }])).toThrow();
    expect(() =>
      formatExposition([
        { name: 'a', help: '', type: 'gauge', samples: [{ labels: { __x: '' }, value: 1 }] },
      ]),
    ).toThrow();
  });

  it('spells special values as Go does', () => {
    expect([Number.NaN, Number.NEGATIVE_INFINITY, 0, 1767225600.5].map(formatValue)).toEqual([
      'NaN',
      '-Inf',
      '0',
      '1767225600.5',
    ]);
    expect(escapeLabelValue('plain')).toBe('plain');
  });
});

describe('parseSamples', () => {
  const names = new Set(['x', 'y']);

  it('reads back what formatExposition wrote, label values included', () => {
    const hostile = 'a"b\\c\nd},e="f"';
    const text = formatExposition([
      { name: 'x', help: 'h', type: 'gauge', samples: [{ labels: { node: hostile, l: '' }, value: -3e-7 }] },
    ]);
    expect(parseSamples(text, names)).toEqual([
      { name: 'x', labels: { l: '', node: hostile }, value: -3e-7 },
    ]);
  });

  it('skips other families, timestamps, comments and malformed lines', () => {
    const text = [
      '# HELP x h',
      'x{a="1"} 1',
      'z{a="1"} 1',
      'x{a="2"} 1 1700000000000',
      'x{a="3} 1',
      'x{a="4",a="5"} 1',
      'x{__proto__="p"} 1',
      'x{a="6"} one',
      'x{a="7"} 0x10',
      'x{a="\\q"} 1',
      'y 2',
      'y{} NaN',
      'x{ b = "1"} 1',
    ].join('\n');
    const samples = parseSamples(text, names);
    expect(samples.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['x', { a: '1' }, 1],
      ['y', {}, 2],
      ['y', {}, Number.NaN],
    ]);
    expect(Object.getPrototypeOf(samples[0]?.labels)).toBe(Object.prototype);
  });
});
