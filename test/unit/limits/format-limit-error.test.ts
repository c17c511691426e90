import { GraphQLError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { inputLimitError } from '../../../src/errors.js';
import { formatLimitError } from '../../../src/limits/format-limit-error.js';

/** What Apollo does with an error of the parser or of a validation rule: relabel it. */
function asApollo(
  error: GraphQLError,
  code: string,
): [GraphQLError, { message: string; extensions: Record<string, unknown> }] {
  const wrapped = new GraphQLError(error.message, {
    originalError: error,
    extensions: { ...error.extensions, code },
  });
  return [wrapped, { message: wrapped.message, extensions: { ...wrapped.extensions } }];
}

describe('formatLimitError', () => {
  it("turns graphql-js's token limit into TOO_MANY_TOKENS, not a syntax error", () => {
    let parseError: GraphQLError | undefined;
    try {
      parse(`{ ${'a '.repeat(20)}}`, { maxTokens: 10 });
    } catch (error) {
      parseError = error as GraphQLError;
    }
    expect(parseError).toBeInstanceOf(GraphQLError);
    const [error, formatted] = asApollo(parseError as GraphQLError, 'GRAPHQL_PARSE_FAILED');
    const result = formatLimitError(formatted, error);
    expect(result.extensions).toMatchObject({ code: 'TOO_MANY_TOKENS', limit: 10 });
    expect(result.message).toBe('The document has more than 10 tokens; at most 10 are allowed.');
    expect(result.message).not.toMatch(/syntax/i);
  });

  it('gives a limit rule its own code back from GRAPHQL_VALIDATION_FAILED', () => {
    const [error, formatted] = asApollo(
      inputLimitError('QUERY_TOO_DEEP', 'too deep', 15),
      'GRAPHQL_VALIDATION_FAILED',
    );
    expect(formatLimitError(formatted, error).extensions).toMatchObject({
      code: 'QUERY_TOO_DEEP',
      limit: 15,
    });
  });

  it('leaves real syntax errors and every other error alone', () => {
    let parseError: GraphQLError | undefined;
    try {
      parse('{ a', { maxTokens: 10 });
    } catch (error) {
      parseError = error as GraphQLError;
    }
    const [syntax, formatted] = asApollo(parseError as GraphQLError, 'GRAPHQL_PARSE_FAILED');
    expect(formatLimitError(formatted, syntax)).toBe(formatted);
    const other = { message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    expect(formatLimitError(other, new Error('boom'))).toBe(other);
    expect(formatLimitError(other, new GraphQLError('boom', { originalError: new Error('x') }))).toBe(other);
  });
});
