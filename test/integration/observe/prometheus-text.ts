/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests: every line must be
 * a `# HELP`, a `# TYPE` or a sample of a declared family; histograms must be cumulative and end in
 * `le="+Inf"` equal to their `_count`. Throws on the first line that does not fit.
 */

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
// Prometheus parses values with Go's ParseFloat: `Inf` and `NaN` in any case (prom-client writes `Nan`).
const VALUE = '[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|[Ii][Nn][Ff]|[Nn][Aa][Nn])';
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (${VALUE})(?: (-?[0-9]+))?$`);
const LABEL_PAIR = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`);

/** One sample line. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** What a scrape held. */
export interface Exposition {
  /** Family name → type, from `# TYPE`. */
  types: Map<string, string>;
  samples: Sample[];
  /** The value of the one sample with this name and these labels (all of them); `undefined` if none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

/** Parses a scrape; throws `Error("line N: …")` on anything outside the format. */
export function parsePrometheusText(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const fail = (why: string) => new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    if (line === '') return; // the format allows (and ignores) empty lines
    if (line.startsWith('#')) {
      const type = TYPE_LINE.exec(line);
      if (type) {
        if (types.has(type[1] as string)) throw fail('a second TYPE for the family');
        types.set(type[1] as string, type[2] as string);
      } else if (!HELP_LINE.test(line)) throw fail('a comment that is neither HELP nor TYPE');
      return;
    }
    const match = SAMPLE_LINE.exec(line);
    if (!match) throw fail('not a sample');
    const name = match[1] as string;
    if (!types.has(familyOf(name, types))) throw fail('a sample before its family’s TYPE');
    samples.push({ name, labels: parseLabels(match[2] ?? '', fail), value: parseValue(match[3] as string) });
  });
  checkHistograms(types, samples);
  return {
    types,
    samples,
    value(name, labels = {}) {
      const wanted = JSON.stringify(sorted(labels));
      return samples.find((s) => s.name === name && JSON.stringify(sorted(s.labels)) === wanted)?.value;
    },
  };
}

function familyOf(name: string, types: Map<string, string>): string {
  const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return base && types.get(base) === 'histogram' ? base : name;
}

function parseLabels(raw: string, fail: (why: string) => Error): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = raw;
  while (rest !== '') {
    const pair = LABEL_PAIR.exec(rest);
    if (!pair) throw fail('bad labels');
    const name = pair[1] as string;
    if (name in labels) throw fail(`label ${name} twice`);
    labels[name] = (pair[2] as string).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(pair[0].length);
  }
  return labels;
}

function parseValue(raw: string): number {
  if (/inf$/i.test(raw)) return raw.startsWith('-') ? -Infinity : Infinity;
  return /^nan$/i.test(raw) ? NaN : Number(raw);
}

function sorted(labels: Record<string, string>): Array<[string, string]> {
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
}

/** Buckets cumulative, `+Inf` present and equal to `_count`, per histogram series. */
function checkHistograms(types: Map<string, string>, samples: Sample[]): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, number[]>();
    for (const sample of samples.filter((s) => s.name === `${family}_bucket`)) {
      const { le, ...rest } = sample.labels;
      if (le === undefined) throw new Error(`${family}_bucket without le`);
      const key = JSON.stringify(sorted(rest));
      series.set(key, [...(series.get(key) ?? []), sample.value]);
      if (le === '+Inf') {
        const count = samples.find(
          (s) => s.name === `${family}_count` && JSON.stringify(sorted(s.labels)) === key,
        );
        if (count?.value !== sample.value) throw new Error(`${family} ${key}: +Inf bucket ≠ _count`);
      }
    }
    for (const [key, counts] of series) {
      if (counts.some((count, i) => i > 0 && count < (counts[i - 1] as number))) {
        throw new Error(`${family} ${key}: buckets are not cumulative`);
      }
    }
  }
}
