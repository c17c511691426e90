import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';

/** What {@link scanDocument} found, as far as it read. */
export interface DocumentScan {
  /** Lexical tokens read, counted as graphql-js's parser counts them for `maxTokens`. */
  tokens: number;
  /** Deepest nesting of `{`, `[` and `(` seen. */
  nesting: number;
  /** Which bound was passed, if any; the scan stops there. */
  exceeded: 'tokens' | 'nesting' | null;
}

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * Reads a document's tokens with graphql-js's lexer (iterative, unlike its parser and several
 * validation rules, which recurse once per level of nesting and overflow the stack a few hundred
 * levels down). Stops at the first bound passed, or at a lexical error, which the parser will
 * report as the syntax error it is.
 */
export function scanDocument(query: string, bounds: { maxTokens: number; maxNesting: number }): DocumentScan {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let depth = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens += 1;
      if (tokens > bounds.maxTokens) return { tokens, nesting, exceeded: 'tokens' };
      if (OPENING.has(token.kind)) {
        depth += 1;
        nesting = Math.max(nesting, depth);
        if (nesting > bounds.maxNesting) return { tokens, nesting, exceeded: 'nesting' };
      } else if (CLOSING.has(token.kind)) {
        depth = Math.max(0, depth - 1);
      }
    }
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
  }
  return { tokens, nesting, exceeded: null };
}
