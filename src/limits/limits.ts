/**
 * How much one request may ask of the server, checked before anything is priced or run. Every
 * limit is a whole number of at least 1; src/config.ts reads them (`TOLLGATE_MAX_…`).
 */
export interface InputLimits {
  /** Largest request body, in bytes (`TOLLGATE_MAX_BODY_BYTES`). Default 1 MiB; above it, 413. */
  maxBodyBytes: number;
  /** Largest GraphQL document (`query`), in UTF-8 bytes (`TOLLGATE_MAX_DOCUMENT_BYTES`). Default 64 KiB. */
  maxDocumentBytes: number;
  /** Most lexical tokens the parser reads before giving up (`TOLLGATE_MAX_TOKENS`). Default 5,000. */
  maxTokens: number;
  /**
   * Deepest field nesting, fragments expanded; a root field is depth 1 (`TOLLGATE_MAX_DEPTH`).
   * Default 15, at most 100. Before parsing, brackets may nest at most `2 × maxDepth + 8` deep.
   */
  maxDepth: number;
  /** Most aliased fields in one operation, fragments expanded (`TOLLGATE_MAX_ALIASES`). Default 30. */
  maxAliases: number;
  /**
   * Most selections that repeat one at the same place: a field selected again under the same
   * response name, or another named fragment spread there; fragments expanded, summed over the
   * document (`TOLLGATE_MAX_REPEATED_SELECTIONS`). Default 100. graphql-js's validation compares
   * every such pair, so n repeats cost up to n²/2 comparisons; checked before it runs.
   */
  maxRepeatedSelections: number;
  /** Most directives on one field, fragment or operation (`TOLLGATE_MAX_DIRECTIVES_PER_FIELD`). Default 5. */
  maxDirectivesPerField: number;
  /** Most operations in one batched request, a JSON array (`TOLLGATE_MAX_BATCH_OPERATIONS`). Default 10. */
  maxBatchOperations: number;
  /** Largest `variables` of one operation, in bytes of JSON (`TOLLGATE_MAX_VARIABLES_BYTES`). Default 64 KiB. */
  maxVariablesBytes: number;
  /**
   * Deepest nesting of objects and lists in one operation's `variables` (`TOLLGATE_MAX_VARIABLES_DEPTH`).
   * Default 32. A few thousand levels fit in a small body and would overflow recursive code downstream.
   */
  maxVariablesDepth: number;
}

/**
 * Generous enough for Apollo Sandbox's introspection query (depth 13, about 300 tokens) and the
 * demo's queries; tight enough that a document's parse and validation stay cheap.
 */
export const DEFAULT_LIMITS: Readonly<InputLimits> = {
  maxBodyBytes: 1024 * 1024,
  maxDocumentBytes: 64 * 1024,
  maxTokens: 5000,
  maxDepth: 15,
  maxAliases: 30,
  maxRepeatedSelections: 100,
  maxDirectivesPerField: 5,
  maxBatchOperations: 10,
  maxVariablesBytes: 64 * 1024,
  maxVariablesDepth: 32,
};
