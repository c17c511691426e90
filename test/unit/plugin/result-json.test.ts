import { type FormattedExecutionResult, GraphQLError } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { CostReport, stringifyResult } from '../../../src/plugin/result-json.js';

/** What Apollo writes by default (`prettyJSONStringify` of its ordered result). */
function apolloDefault(result: FormattedExecutionResult): string {
  return `${JSON.stringify({ errors: result.errors, data: result.data, extensions: result.extensions })}\n`;
}

const status = () => ({ maximumAvailable: 1000, currentlyAvailable: 987, restoreRate: 0.5 });
// graphql-js answers with prototype-less objects: the template must leave them to JSON.stringify.
const data = () =>
  Object.assign(Object.create(null), { book: Object.assign(Object.create(null), { title: 'Dune "2"' }) });

describe('stringifyResult: what Apollo would have written, byte for byte', () => {
  const cases: Array<[string, () => FormattedExecutionResult]> = [
    [
      'a served operation',
      () => ({ data: data(), extensions: { cost: new CostReport(3, 2, undefined, status()) } }),
    ],
    [
      'one that waited its turn',
      () => ({ data: data(), extensions: { cost: new CostReport(3, 3, 250, status()) } }),
    ],
    [
      'no bucket asked (too expensive)',
      () => ({
        errors: [new GraphQLError('too expensive', { extensions: { code: 'QUERY_TOO_EXPENSIVE' } }).toJSON()],
        extensions: { cost: new CostReport(5000, 0, undefined, undefined) },
      }),
    ],
    [
      'a partial result with a null',
      () => ({
        errors: [{ message: 'boom', path: ['book'] }],
        data: { book: null },
        extensions: { cost: new CostReport(1, 1, undefined, status()) },
      }),
    ],
    ['no data and no errors', () => ({ extensions: { cost: new CostReport(0, 0, undefined, status()) } })],
    [
      'non-finite and negative numbers',
      () => ({
        data: {},
        extensions: {
          cost: new CostReport(-0, Number.NaN, undefined, {
            maximumAvailable: Number.POSITIVE_INFINITY,
            currentlyAvailable: -3,
            restoreRate: 1e21,
          }),
        },
      }),
    ],
    [
      'another plugin’s extensions beside the cost',
      () => ({
        data: data(),
        extensions: { tracing: { version: 1 }, cost: new CostReport(1, 1, undefined, status()) },
      }),
    ],
    [
      'a cost another plugin replaced',
      () => ({ data: data(), extensions: { cost: { requestedQueryCost: 1, mine: true } } }),
    ],
    ['no extensions at all', () => ({ data: data() })],
  ];

  it.each(cases)('%s', (_name, make) => {
    const result = make();
    expect(stringifyResult(result)).toBe(apolloDefault(result));
  });

  it('a cost another plugin changed in place is written as changed', () => {
    const added = new CostReport(1, 1, undefined, status());
    (added as unknown as Record<string, unknown>).note = 'from my plugin';
    const retyped = new CostReport(1, 1, undefined, status());
    (retyped as unknown as Record<string, unknown>).actualQueryCost = '1';
    const statusChanged = new CostReport(1, 1, undefined, status());
    (statusChanged.throttleStatus as unknown as Record<string, unknown>).extra = [1];
    const removed = new CostReport(1, 1, 10, status());
    delete (removed as { waitedMs?: number }).waitedMs;
    for (const cost of [added, retyped, statusChanged, removed]) {
      const result = { data: data(), extensions: { cost } };
      expect(stringifyResult(result)).toBe(apolloDefault(result));
    }
    expect(JSON.parse(stringifyResult({ extensions: { cost: added } })).extensions.cost.note).toBe(
      'from my plugin',
    );
  });
});

describe('stringifyResult: the fast path', () => {
  it('writes Tollgate’s own cost from its template, leaving only the data to JSON.stringify', () => {
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      const cost = new CostReport(3, 2, undefined, status());
      stringifyResult({ data: data(), extensions: { cost } });
      const written = stringify.mock.calls.map(([value]) => value);
      expect(written).toHaveLength(1);
      expect(written[0]).not.toHaveProperty('extensions');
    } finally {
      stringify.mockRestore();
    }
  });
});
