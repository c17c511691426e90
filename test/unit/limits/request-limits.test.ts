import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { jsonNestsDeeper, measureJson } from '../../../src/limits/json-measure.js';
import { DEFAULT_LIMITS, type InputLimits } from '../../../src/limits/limits.js';
import {
  checkBodyNesting,
  checkRequestLimits,
  maxNesting,
  RequestRefusal,
} from '../../../src/limits/request-limits.js';

const LIMITS: InputLimits = {
  ...DEFAULT_LIMITS,
  maxDocumentBytes: 100,
  maxBatchOperations: 3,
  maxVariablesBytes: 50,
  maxVariablesDepth: 4,
};

function refusal(method: string, body: unknown, search = ''): { code: string; status: number } | null {
  try {
    checkRequestLimits({ method, body, search }, LIMITS);
    return null;
  } catch (error) {
    if (!(error instanceof RequestRefusal)) throw error;
    return { code: error.code, status: error.status };
  }
}

const op = { query: '{ __typename }' };

describe('checkRequestLimits', () => {
  it('refuses batches of more than maxBatchOperations', () => {
    expect(refusal('POST', [op, op, op])).toBeNull();
    expect(refusal('POST', [op, op, op, op])).toEqual({ code: 'BATCH_TOO_LARGE', status: 400 });
  });

  it('refuses a whole batch when one operation is not an operation, before any runs', () => {
    for (const bad of [
      1,
      null,
      'text',
      {},
      { query: 5 },
      { query: '{ a }', variables: 'x' },
      { operationName: 3 },
    ]) {
      expect(refusal('POST', [op, bad]), JSON.stringify(bad)).toEqual({ code: 'BAD_REQUEST', status: 400 });
    }
  });

  it('refuses documents of more than maxDocumentBytes, counted in UTF-8 bytes, on POST and GET', () => {
    expect(refusal('POST', { query: `{ a${' '.repeat(94)}}` })).toBeNull();
    expect(refusal('POST', { query: `{ a${'é'.repeat(49)}}` })).toEqual({
      code: 'DOCUMENT_TOO_LARGE',
      status: 400,
    });
    expect(refusal('POST', [op, { query: 'x'.repeat(101) }])?.code).toBe('DOCUMENT_TOO_LARGE');
    const search = `?${new URLSearchParams({ query: 'x'.repeat(101) })}`;
    expect(refusal('GET', undefined, search)?.code).toBe('DOCUMENT_TOO_LARGE');
  });

  it('refuses documents of more than maxTokens tokens, as graphql-js counts them (comments are not tokens)', () => {
    const limits = { ...LIMITS, maxTokens: 5 };
    const check = (query: string) => {
      try {
        checkRequestLimits({ method: 'POST', body: { query }, search: '' }, limits);
        return null;
      } catch (error) {
        return (error as RequestRefusal).code;
      }
    };
    expect(check('{ a b c }  # a comment of many words')).toBeNull();
    expect(check('{ a b c d }')).toBe('TOO_MANY_TOKENS');
    expect(() => parse('{ a b c }', { maxTokens: 5 })).not.toThrow();
    expect(() => parse('{ a b c d }', { maxTokens: 5 })).toThrow(/tokens/);
  });

  it('refuses brackets nested deeper than 2 × maxDepth + 8 before parsing (QUERY_TOO_DEEP)', () => {
    const depth = maxNesting(LIMITS);
    expect(depth).toBe(2 * LIMITS.maxDepth + 8);
    const nested = (levels: number) => `${'{ a '.repeat(levels)}${'}'.repeat(levels)}`;
    const big = { ...LIMITS, maxDocumentBytes: 100_000 };
    expect(() =>
      checkRequestLimits({ method: 'POST', body: { query: nested(depth) }, search: '' }, big),
    ).not.toThrow();
    expect(() =>
      checkRequestLimits({ method: 'POST', body: { query: nested(depth + 1) }, search: '' }, big),
    ).toThrow(expect.objectContaining({ code: 'QUERY_TOO_DEEP' }));
  });

  it('refuses variables larger than maxVariablesBytes or nested deeper than maxVariablesDepth', () => {
    expect(refusal('POST', { ...op, variables: { a: 'x'.repeat(40) } })).toBeNull();
    expect(refusal('POST', { ...op, variables: { a: 'x'.repeat(50) } })?.code).toBe('VARIABLES_TOO_LARGE');
    expect(refusal('POST', { ...op, variables: { a: [[[1]]] } })).toBeNull();
    expect(refusal('POST', { ...op, variables: { a: [[[[1]]]] } })?.code).toBe('VARIABLES_TOO_LARGE');
    const search = `?${new URLSearchParams({ query: '{ a }', variables: JSON.stringify({ a: 'x'.repeat(60) }) })}`;
    expect(refusal('GET', undefined, search)?.code).toBe('VARIABLES_TOO_LARGE');
  });

  it('measures no absent variables: an operation without them passes the smallest maxVariablesBytes', () => {
    const limits = { ...LIMITS, maxVariablesBytes: 1 };
    const check = (body: unknown) => () => checkRequestLimits({ method: 'POST', body, search: '' }, limits);
    expect(check(op)).not.toThrow();
    expect(check({ ...op, variables: null })).not.toThrow();
    // Any variables sent are measured, an empty object's two bytes too.
    expect(check({ ...op, variables: {} })).toThrow(expect.objectContaining({ code: 'VARIABLES_TOO_LARGE' }));
  });

  it('refuses repeated selections past maxRepeatedSelections before Apollo parses, a whole batch at once', () => {
    const limits = { ...LIMITS, maxDocumentBytes: 100_000, maxRepeatedSelections: 3 };
    const check = (body: unknown) => {
      try {
        checkRequestLimits({ method: 'POST', body, search: '' }, limits);
        return null;
      } catch (error) {
        return { code: (error as RequestRefusal).code, limit: (error as RequestRefusal).limit };
      }
    };
    expect(check({ query: '{ a a a a }' })).toBeNull();
    expect(check({ query: '{ a a a a a }' })).toEqual({ code: 'TOO_MANY_REPEATED_SELECTIONS', limit: 3 });
    expect(check([op, { query: '{ b { c } b { c } b { c } }' }])?.code).toBe('TOO_MANY_REPEATED_SELECTIONS');
    // A syntax error is Apollo's to report.
    expect(check({ query: '{ a a a a a' })).toBeNull();
  });

  it('leaves what it does not cover to Apollo (text bodies, malformed GET variables, other methods)', () => {
    expect(refusal('POST', 'query={ a }')).toBeNull();
    expect(refusal('GET', undefined, '?query=%7B%20a%20%7D&variables=%7B')).toBeNull();
    expect(refusal('PUT', { query: 'x'.repeat(500) })).toBeNull();
  });
});

describe('checkBodyNesting', () => {
  it('refuses JSON text nested deeper than a batch, an operation and maxVariablesDepth, unparsed', () => {
    const body = (levels: number) =>
      `[{"variables":{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}}]`;
    expect(() => checkBodyNesting(body(LIMITS.maxVariablesDepth), LIMITS)).not.toThrow();
    expect(() => checkBodyNesting(body(LIMITS.maxVariablesDepth + 1), LIMITS)).toThrow(
      expect.objectContaining({ code: 'VARIABLES_TOO_LARGE', limit: LIMITS.maxVariablesDepth }),
    );
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeper(JSON.stringify({ a: '[[[[\\"[[[[' }), 1)).toBe(false);
    expect(jsonNestsDeeper(JSON.stringify({ a: '"', b: [[1]] }), 2)).toBe(true);
    expect(jsonNestsDeeper(`${'['.repeat(500_000)}${']'.repeat(500_000)}`, 34)).toBe(true);
  });

  it('measures depth, not brackets: many side by side are as shallow as one', () => {
    expect(jsonNestsDeeper(`[${'[],{},'.repeat(1000)}[]]`, 2)).toBe(false);
    expect(jsonNestsDeeper(`[${'[],{},'.repeat(1000)}[{}]]`, 2)).toBe(true);
    // As many openings as the depth allows, all nested: at the limit, not over it.
    expect(jsonNestsDeeper('{"a":[{"b":[]}]}', 4)).toBe(false);
    expect(jsonNestsDeeper('{"a":[{"b":[{}]}]}', 4)).toBe(true);
  });
});

describe('measureJson', () => {
  it('counts the bytes JSON.stringify would write', () => {
    for (const value of [
      null,
      true,
      12.5,
      'a"é\n',
      [],
      {},
      [1, 'two', { three: [3, null] }],
      { 'k"': { x: false } },
    ]) {
      expect(measureJson(value, { maxBytes: 1000, maxDepth: 10 }).bytes, JSON.stringify(value)).toBe(
        Buffer.byteLength(JSON.stringify(value)),
      );
    }
  });

  it('stops at a bound, on values JSON.stringify cannot even handle', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(measureJson(deep, { maxBytes: 1_000_000, maxDepth: 32 })).toMatchObject({ exceeded: 'depth' });
    expect(measureJson('x'.repeat(100), { maxBytes: 50, maxDepth: 32 })).toMatchObject({ exceeded: 'bytes' });
  });
});
