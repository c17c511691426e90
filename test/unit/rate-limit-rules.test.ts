import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, it } from 'vitest';
import { RateLimitDirectiveError, readRateLimitRules } from '../../src/directives/rate-limit.js';

const DIRECTIVE =
  'directive @rateLimit(max: Int!, window: String!, keyBy: [String!]) repeatable on FIELD_DEFINITION';
const schemaWith = (field: string) =>
  makeExecutableSchema({ typeDefs: [DIRECTIVE, `type Query { ${field} other: Int }`] });
const loginWith = (directives: string) =>
  schemaWith(`login(username: String!, password: String!): Int ${directives}`);

describe('readRateLimitRules', () => {
  it('reads every @rateLimit by field coordinate', () => {
    const rules = readRateLimitRules(schemaWith('data: Int @rateLimit(max: 5, window: "60s")'));
    expect([...rules.values()]).toEqual([
      [
        {
          coordinate: 'Query.data',
          name: 'Query.data',
          max: 5,
          windowMs: 60_000,
          window: '60s',
          keyBy: null,
        },
      ],
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

  it('reads repeated rules, each with a window of its own, and keyBy arguments', () => {
    const rules = readRateLimitRules(
      loginWith('@rateLimit(max: 5, window: "15m") @rateLimit(max: 10, window: "1h", keyBy: ["username"])'),
    );
    expect(rules.get('Query.login')).toEqual([
      {
        coordinate: 'Query.login',
        name: 'Query.login',
        max: 5,
        windowMs: 900_000,
        window: '15m',
        keyBy: null,
      },
      {
        coordinate: 'Query.login',
        name: 'Query.login#1',
        max: 10,
        windowMs: 3_600_000,
        window: '1h',
        keyBy: ['username'],
      },
    ]);
  });

  it.each([
    ['keyBy: ["user"]', /keyBy names "user", which is not an argument of the field/],
    ['keyBy: []', /keyBy must name at least one argument/],
  ])('refuses %s, naming the field', (keyBy, message) => {
    const build = () => readRateLimitRules(loginWith(`@rateLimit(max: 5, window: "15m", ${keyBy})`));
    expect(build).toThrow(/^@rateLimit on Query\.login: /);
    expect(build).toThrow(message);
  });
});
