import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { actualCost, createCostModel, estimateCost } from '../../../src/cost/index.js';
import { demoModel, fixtureModel, schemaFromSdl } from './schemas.js';

const book = (id: number) => ({ title: `Book ${id}`, author: { name: 'Ann' } });

describe('actualCost', () => {
  const model = demoModel();
  const document = parse('query Books($first: Int!) { books(first: $first) { title author { name } } }');
  const request = { variables: { first: 3 } };

  it('equals the estimate when every requested item is returned', () => {
    const data = { books: [book(1), book(2), book(3)] };
    expect(estimateCost(model, document, request).cost).toBe(6);
    expect(actualCost(model, document, request, data)).toBe(6);
  });

  it('is lower when a list returns fewer items than requested', () => {
    expect(actualCost(model, document, request, { books: [book(1)] })).toBe(2);
    expect(actualCost(model, document, request, { books: [] })).toBe(0);
  });

  it('charges nothing below a null object or list', () => {
    const data = { books: [book(1), { title: 'Anonymous', author: null }] };
    expect(actualCost(model, document, request, data)).toBe(3);
    expect(actualCost(model, document, request, { books: null })).toBe(0);
  });

  it('sizes connections by the edges returned', () => {
    const query = parse('{ searchReviews(text: "a", first: 10) { edges { node { id } } } }');
    const data = { searchReviews: { edges: [{ node: { id: '1' } }, { node: { id: '2' } }] } };
    // Estimate: 1 + 10 × 2 = 21; actual: 1 + 2 × 2 = 5.
    expect(estimateCost(model, query, {}).cost).toBe(21);
    expect(actualCost(model, query, {}, data)).toBe(5);
  });

  it('keeps the mutation base cost and the argument costs', () => {
    const mutation = parse('mutation { addReview(bookId: "1", input: { rating: 5, body: "ok" }) { id } }');
    const data = { addReview: { id: 'r1' } };
    expect(actualCost(model, mutation, {}, data)).toBe(estimateCost(model, mutation, {}).cost);
    expect(actualCost(model, mutation, {}, data)).toBe(16);
  });

  it('reads aliases, fragments and @skip like execution does', () => {
    const query = parse(`query($s: Boolean!) {
      a: books(first: 2) { ...B }
      b: books(first: 2) @skip(if: $s) { ...B }
    } fragment B on Book { author { name } }`);
    const data = { a: [book(1), book(2)] };
    expect(actualCost(model, query, { variables: { s: true } }, data)).toBe(4);
    expect(estimateCost(model, query, { variables: { s: true } }).cost).toBe(4);
  });

  it('prices an abstract type by __typename, else as its most expensive member', () => {
    const pricing = fixtureModel('pricing.graphql');
    const query = parse('{ result { __typename ... on Item { parts { id } } ... on Part { id } } }');
    const item = { result: { __typename: 'Item', parts: [{ id: '1' }, { id: '2' }, { id: '3' }] } };
    expect(estimateCost(pricing, query, {}).cost).toBe(4);
    expect(actualCost(pricing, query, {}, item)).toBe(4);
    expect(actualCost(pricing, query, {}, { result: { __typename: 'Part', id: 'p' } })).toBe(1);
    const untyped = parse('{ result { ... on Item { parts { id } } ... on Part { id } } }');
    expect(actualCost(pricing, untyped, {}, { result: { parts: [{ id: '1' }] } })).toBe(2);
  });

  it('counts a leaf with a @cost per value returned, and one without none, null or not', () => {
    const weighted = createCostModel(
      schemaFromSdl(`type Query { items: [Item!] @listSize(assumedSize: 5) }
        type Item { id: ID!  tags: [String!] @listSize(assumedSize: 4) @cost(weight: 2)
                    score: Int @cost(weight: 3)  note: String }`),
      { defaultListSize: 10 },
    );
    const query = parse('{ items { id tags score note } }');
    const data = {
      items: [
        { id: '1', tags: ['a', 'b'], score: 7, note: null },
        // A null leaf costs its explicit @cost, as in Apollo's router; a null list of leaves too.
        { id: '2', tags: null, score: null, note: 'n' },
      ],
    };
    // Estimate: 5 items × (1 + 4 tags × 2 + score 3) = 60.
    expect(estimateCost(weighted, query, {}).cost).toBe(60);
    // Item 1: 1 + 2 × 2 + 3 = 8; item 2: 1 + 2 (null tags) + 3 (null score) = 6.
    expect(actualCost(weighted, query, {}, data)).toBe(14);
  });
});
