import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { INPUT_LIMIT_CODES, type InputLimitCode } from '../errors.js';

// graphql-js 16 words its token limit as a syntax error ("more that" is its spelling in 16.11).
// The unit test parses a real document with `maxTokens`, so an upgrade that rewords it fails there.
const TOKEN_LIMIT = /^Syntax Error: Document contains more tha[nt] (\d+) tokens\. Parsing aborted\.$/;

/**
 * Apollo's `formatError` for the input limits. Apollo relabels every error of a validation rule
 * GRAPHQL_VALIDATION_FAILED and every parse failure GRAPHQL_PARSE_FAILED; this gives clients the
 * limit's own code back (QUERY_TOO_DEEP, TOO_MANY_TOKENS, …), and words the token limit as the
 * limit it is rather than as a syntax error. Any other error passes unchanged.
 */
export function formatLimitError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  if (!(original instanceof GraphQLError)) return formatted;
  const code = original.extensions.code;
  if (isInputLimitCode(code)) return { ...formatted, extensions: { ...formatted.extensions, code } };
  const maxTokens = TOKEN_LIMIT.exec(original.message)?.[1];
  if (maxTokens === undefined) return formatted;
  return {
    ...formatted,
    message: `The document has more than ${maxTokens} tokens; at most ${maxTokens} are allowed.`,
    extensions: { ...formatted.extensions, code: 'TOO_MANY_TOKENS', limit: Number(maxTokens) },
  };
}

function isInputLimitCode(code: unknown): code is InputLimitCode {
  return (INPUT_LIMIT_CODES as readonly unknown[]).includes(code);
}
