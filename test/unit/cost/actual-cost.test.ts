import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { actualCost, estimateCost } from '../../../src/cost/index.js';
import { demoModel, fixtureModel } from './schemas.js';

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
});
