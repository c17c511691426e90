import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { type CostModel, type FieldCallPlan, planFieldCalls } from '../../../src/cost/index.js';
import { demoModel, fixtureModel } from './schemas.js';

const tracking =
  (...coordinates: string[]) =>
  (coordinate: string) =>
    coordinates.includes(coordinate);

const plan = (
  model: CostModel,
  query: string,
  isTracked: (coordinate: string) => boolean,
  variables: Record<string, unknown> = {},
): FieldCallPlan[] => planFieldCalls(model, parse(query), { variables }, isTracked);

describe('planFieldCalls', () => {
  const model = demoModel();
  const rateLimited = tracking('Query.data', 'Mutation.login');

  it('counts each alias of a tracked field', () => {
    expect(plan(model, '{ a: data { message } b: data { message } }', rateLimited)).toEqual([
      { coordinate: 'Query.data', args: {}, count: 2 },
    ]);
  });

  it('multiplies by the list sizes of the enclosing lists, not by the field own size', () => {
    // 3 books, one author each: Author.books resolves 3 times (it returns 5 books each time, uncounted).
    const query = '{ books(first: 3) { author { books { title } } } }';
    expect(plan(model, query, tracking('Author.books'))).toEqual([
      { coordinate: 'Author.books', args: {}, count: 3 },
    ]);
    // Nested lists multiply: 3 books × 2 reviews each → Review.book resolves 6 times.
    expect(
      plan(model, '{ books(first: 3) { reviews(first: 2) { book { id } } } }', tracking('Review.book')),
    ).toEqual([{ coordinate: 'Review.book', args: {}, count: 6 }]);
  });

  it('uses the list sizes the price uses: variables, defaults and sized fields', () => {
    const query = 'query($n: Int!) { books(first: $n) { author { books { id } } } }';
    expect(plan(model, query, tracking('Author.books'), { n: 7 })[0]?.count).toBe(7);
    // books(first = 10) by default.
    expect(plan(model, '{ books { author { id } } }', tracking('Book.author'))[0]?.count).toBe(10);
    // 4 edges of the connection: ReviewEdge.node resolves 4 times.
    const search = '{ searchReviews(text: "a", first: 4) { edges { node { id } } } }';
    expect(plan(model, search, tracking('ReviewEdge.node'))[0]?.count).toBe(4);
  });

  it('follows fragments into every place they are spread', () => {
    const query = `{ x: books(first: 2) { ...A } y: books(first: 3) { ...A } }
      fragment A on Book { author { books { id } } }`;
    expect(plan(model, query, tracking('Author.books'))).toEqual([
      { coordinate: 'Author.books', args: {}, count: 5 },
    ]);
  });

  it('leaves out what @skip/@include removes', () => {
    const query = 'query($s: Boolean!) { a: data @skip(if: $s) { message } b: data { message } }';
    expect(plan(model, query, rateLimited, { s: true })).toEqual([
      { coordinate: 'Query.data', args: {}, count: 1 },
    ]);
    expect(plan(model, query, rateLimited, { s: false })).toEqual([
      { coordinate: 'Query.data', args: {}, count: 2 },
    ]);
    const allSkipped = '{ data @include(if: false) { message } }';
    expect(plan(model, allSkipped, rateLimited)).toEqual([]);
  });

  it('groups invocations by their coerced arguments', () => {
    const query = `mutation {
      a: login(username: "ann", password: "one") { ok }
      b: login(username: "ann", password: "one") { ok }
      c: login(username: "ann", password: "two") { ok }
    }`;
    expect(plan(model, query, rateLimited)).toEqual([
      { coordinate: 'Mutation.login', args: { username: 'ann', password: 'one' }, count: 2 },
      { coordinate: 'Mutation.login', args: { username: 'ann', password: 'two' }, count: 1 },
    ]);
  });

  it('reports coerced defaults among the arguments', () => {
    expect(plan(model, '{ books { id } }', tracking('Query.books'))).toEqual([
      { coordinate: 'Query.books', args: { first: 10, offset: 0 }, count: 1 },
    ]);
  });

  it('plans nothing for untracked fields', () => {
    expect(plan(model, '{ books(first: 3) { title } }', rateLimited)).toEqual([]);
  });

  it('takes the most demanding member of an abstract type', () => {
    const query = `{ result {
      ... on Item { a: parts { id } b: parts { id } }
      ... on Part { id }
    } }`;
    expect(plan(fixtureModel('pricing.graphql'), query, tracking('Item.parts'))).toEqual([
      { coordinate: 'Item.parts', args: {}, count: 2 },
    ]);
  });

  it('refuses more distinct targets than maxPlanTargets', () => {
    const limited = demoModel({ maxPlanTargets: 2 });
    const logins = [1, 2, 3].map((i) => `l${i}: login(username: "u", password: "p${i}") { ok }`).join(' ');
    expect(() => plan(limited, `mutation { ${logins} }`, rateLimited)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }) }),
    );
  });
});
