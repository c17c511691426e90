import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics, METRIC_NAMES } from '../../../src/observe/metrics.js';

const DASHBOARD_PATH = new URL('../../../src/observe/grafana-dashboard.json', import.meta.url);

/** How an import input is referenced: Grafana substitutes the chosen datasource's uid. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's input syntax, not a JS template.
const DS_INPUT = '${DS_PROMETHEUS}';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; w: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as {
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  panels: Panel[];
  templating: { list: Array<{ definition: string; datasource: { uid: string } }> };
};
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const queries = [
  ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
  ...dashboard.templating.list.map((variable) => variable.definition),
];

/** PromQL words that are not metric names. */
const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'topk',
  'bottomk',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'label_values',
  'by',
  'without',
  'on',
  'ignoring',
  'and',
  'or',
  'unless',
]);

/** The metric names a PromQL expression reads. */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\$\w+/g, '') // Grafana variables ($__rate_interval, $job)
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, '') // grouping labels
    .replace(/,\s*[a-z_]+\)\s*$/, ')'); // label_values(metric, label): the label
  return (bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((word) => !PROMQL_WORDS.has(word));
}

describe('the Grafana dashboard', () => {
  // With load shedding on, so that its gauges are exported too.
  const registry = createMetrics({ coordinates: ['Query.data'], loadShedding: true }).registry;

  it('queries only metrics the registry exports', async () => {
    const exported = new Set(
      (await registry.getMetricsAsJSON()).flatMap((metric) =>
        String(metric.type) === 'histogram'
          ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
          : [metric.name],
      ),
    );
    const used = new Set(queries.flatMap(metricNamesIn));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('charts every Tollgate metric', () => {
    const text = queries.join('\n');
    for (const name of Object.values(METRIC_NAMES)) expect(text, name).toContain(name);
  });

  it('is importable: the datasource is the DS_PROMETHEUS input everywhere, panel ids are unique', () => {
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    ]);
    const datasources = [
      ...panels.filter((panel) => panel.type !== 'row').map((panel) => panel.datasource?.uid),
      ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.datasource?.uid)),
      ...dashboard.templating.list.map((variable) => variable.datasource.uid),
    ];
    expect(new Set(datasources)).toEqual(new Set([DS_INPUT]));
    expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
    for (const panel of panels)
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
  });

  it('reads metric names out of PromQL (the check above would catch a misspelt one)', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le, tier) (rate(tollgate_oops_bucket{job=~"$job", tier="a{b}"}[$__rate_interval])))',
      ),
    ).toEqual(['tollgate_oops_bucket']);
    expect(metricNamesIn('label_values(tollgate_operations_total{job=~"$job"}, instance)')).toEqual([
      'tollgate_operations_total',
    ]);
  });
});
