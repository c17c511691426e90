import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createCostCache } from '../../../src/cost/cost-cache.js';
import { estimateCost, planFieldCalls } from '../../../src/cost/index.js';
import { demoModel } from './schemas.js';

describe('cost cache', () => {
  const query = 'query Books($first: Int!) { books(first: $first) { title } }';

  it('returns the remembered estimate for the same document and variables without walking again', () => {
    const model = demoModel();
    const document = parse(query);
    const first = estimateCost(model, document, { variables: { first: 5 } });
    const again = estimateCost(model, document, { variables: { first: 5 } });
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    const other = estimateCost(model, document, { variables: { first: 6 } });
    expect(other).not.toBe(first);
    expect(other.cost).toBe(6);
  });

  it('keys on the DocumentNode object, as Apollo reuses one per query string', () => {
    const model = demoModel();
    const one = estimateCost(model, parse(query), { variables: { first: 5 } });
    const two = estimateCost(model, parse(query), { variables: { first: 5 } });
    expect(two).not.toBe(one);
    expect(two).toEqual(one);
  });

  it('plans from the remembered price walk', () => {
    const model = demoModel();
    const document = parse('{ a: data { message } b: data { message } }');
    const isTracked = (coordinate: string) => coordinate === 'Query.data';
    const plan = planFieldCalls(model, document, {}, isTracked);
    expect(planFieldCalls(model, document, {}, isTracked)).toEqual(plan);
    expect(plan).toEqual([{ coordinate: 'Query.data', args: {}, count: 2 }]);
  });

  it('computes once per key and forgets the least recently used beyond its bound', () => {
    const cache = createCostCache<{ n: number }>(2);
    const document = parse('{ x }');
    let computed = 0;
    const get = (key: string) => cache.getOrCompute(document, key, () => ({ n: ++computed }));
    expect(get('a')).toEqual({ n: 1 });
    expect(get('a')).toEqual({ n: 1 });
    get('b');
    get('a'); // a is now the most recent; b the least
    get('c'); // evicts b
    expect(computed).toBe(3);
    expect(get('a')).toEqual({ n: 1 });
    expect(get('b')).toEqual({ n: 4 });
  });
});
