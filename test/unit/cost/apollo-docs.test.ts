import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../../src/cost/index.js';
import { fixtureModel, readRepoFile } from './schemas.js';

// The worked examples of Apollo's demand-control docs, with the docs' own schema and numbers.
const selection = `{
  title
  author { name }
  publisher { name address { zipCode } }
}`;

describe("Apollo's demand-control examples", () => {
  it('prices BookQuery at 4 with the default weights', () => {
    const model = fixtureModel('apollo-docs-defaults.graphql');
    const document = parse(readRepoFile('test/fixtures/cost/apollo-book-query.graphql'));
    expect(estimateCost(model, document, {}).cost).toBe(4);
  });

  it('prices BookQuery at 8 once Address has @cost(weight: 5)', () => {
    const model = fixtureModel('apollo-docs.graphql');
    const document = parse(readRepoFile('test/fixtures/cost/apollo-book-query.graphql'));
    expect(estimateCost(model, document, {}).cost).toBe(8);
  });

  it('prices bestsellers with assumedSize 5 at 40', () => {
    const model = fixtureModel('apollo-docs.graphql');
    const document = parse(`query BestsellersQuery { bestsellers ${selection} }`);
    expect(estimateCost(model, document, {}).cost).toBe(40);
  });

  it('prices newestAdditions at 24 for limit 3 and 56 for limit 7', () => {
    const model = fixtureModel('apollo-docs.graphql');
    const three = parse(`query NewestAdditions { newestAdditions(limit: 3) ${selection} }`);
    const seven = parse(`query NewestAdditions { newestAdditions(limit: 7) ${selection} }`);
    expect(estimateCost(model, three, {}).cost).toBe(24);
    expect(estimateCost(model, seven, {}).cost).toBe(56);
  });
});
