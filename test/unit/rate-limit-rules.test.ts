import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
import { RateLimitDirectiveError, readRateLimitRules } from '../../src/directives/rate-limit.js';

const DIRECTIVE = 'directive @rateLimit(max: Int!, window: String!) on FIELD_DEFINITION';
const schemaWith = (field: string) =>
  makeExecutableSchema({ typeDefs: [DIRECTIVE, `type Query { ${field} other: Int }`] });

describe('readRateLimitRules', () => {
  it('reads every @rateLimit by field coordinate', () => {
    const rules = readRateLimitRules(schemaWith('data: Int @rateLimit(max: 5, window: "60s")'));
    expect([...rules.values()]).toEqual([
      { coordinate: 'Query.data', max: 5, windowMs: 60_000, window: '60s' },
    ]);
  });

  it.each([
    ['max: 0, window: "60s"', /max must be a whole number of at least 1, got 0/],
    ['max: -3, window: "60s"', /got -3/],
    ['max: 5, window: "abc"', /window must be .* got "abc"/],
    ['max: 5, window: "0s"', /got "0s"/],
    ['max: 5, window: "60"', /got "60"/],
  ])('refuses %s, naming the field', (args, message) => {
    const build = () => readRateLimitRules(schemaWith(`data: Int @rateLimit(${args})`));
    expect(build).toThrow(RateLimitDirectiveError);
    expect(build).toThrow(/^@rateLimit on Query\.data: /);
    expect(build).toThrow(message);
  });
});
