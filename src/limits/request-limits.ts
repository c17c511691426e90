import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  parse,
  type ValidationRule,
  validate,
} from 'graphql';
import { ERROR_STATUS, INPUT_LIMIT_CODES, type InputLimitCode } from '../errors.js';
import { documentLimitRules } from './document-limits.js';
import { scanDocument } from './document-scan.js';
import { jsonNestsDeeper, measureJson } from './json-measure.js';
import type { InputLimits } from './limits.js';
import { refuseRepeatedSelections } from './repeated-selections.js';

/** A request refused by {@link checkRequestLimits}, before Apollo sees it; the HTTP front answers it. */
export class RequestRefusal extends Error {
  readonly status: number;

  constructor(
    readonly code: InputLimitCode | 'BAD_REQUEST',
    message: string,
    /** The configured maximum that was exceeded, when a limit was. */
    readonly limit?: number,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

/** The parts of an HTTP request the limits look at. */
export interface LimitedRequest {
  method: string;
  /** The parsed JSON body (an object, or an array for a batch); text or `undefined` otherwise. */
  body: unknown;
  /** The URL's query string, with its `?`, where GET requests carry the operation. */
  search: string;
}

/** A batch's own parsed document (Apollo parses it again; this one is checked and dropped). */
function parsedOrNull(query: string, limits: InputLimits): DocumentNode | null {
  try {
    return parse(query, { maxTokens: limits.maxTokens, noLocation: true });
  } catch (error) {
    // Apollo answers the syntax error itself.
    if (error instanceof GraphQLError) return null;
    throw error;
  }
}

/**
 * Checks what can be checked on the request as a whole, before any operation of it is parsed,
 * priced or run: operations per batch; for each operation its document's bytes, tokens, bracket
 * nesting and repeated selections, and its variables' size and nesting.
 * A batch is refused whole when one of its operations would be refused by Apollo before running
 * (not an object, `query` not a string, …): Apollo would answer 400 while its sibling operations
 * ran and were charged. Throws {@link RequestRefusal}; anything it does not cover is Apollo's to judge.
 */
export function checkRequestLimits(
  request: LimitedRequest,
  limits: InputLimits,
  /** The schema the documents are served by: with it, a batch's depth, aliases and directives are checked here too. */
  schema?: GraphQLSchema,
): void {
  const { method, body } = request;
  if (method === 'POST' && Array.isArray(body)) {
    if (body.length > limits.maxBatchOperations) {
      throw new RequestRefusal(
        'BATCH_TOO_LARGE',
        `The batch has ${body.length} operations; at most ${limits.maxBatchOperations} are allowed.`,
        limits.maxBatchOperations,
      );
    }
    body.forEach((operation, index) => {
      checkOperationShape(operation, index);
      checkDocument(operation.query, limits);
      checkVariables(operation.variables, limits);
      if (schema) checkBatchedDocument(operation.query, limits, schema);
    });
  } else if (method === 'POST' && isRecord(body)) {
    checkDocument(body.query, limits);
    checkVariables(body.variables, limits);
  } else if (method === 'GET') {
    const params = new URLSearchParams(request.search);
    checkDocument(params.get('query'), limits);
    checkVariables(parseOrNull(params.get('variables')), limits);
  }
}

// Documents that passed, per limits: clients send the same few documents again and again, and
// scanning each one with the lexer on every request is work done twice.
const passedDocuments = new WeakMap<InputLimits, Set<string>>();
const MAX_REMEMBERED_DOCUMENTS = 1000;

function checkDocument(query: unknown, limits: InputLimits): void {
  if (typeof query !== 'string') return;
  let passed = passedDocuments.get(limits);
  if (passed?.has(query)) return;
  scanOnce(query, limits);
  if (!passed) {
    passed = new Set();
    passedDocuments.set(limits, passed);
  }
  if (passed.size >= MAX_REMEMBERED_DOCUMENTS) passed.clear();
  passed.add(query);
}

function scanOnce(query: string, limits: InputLimits): void {
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > limits.maxDocumentBytes) {
    throw new RequestRefusal(
      'DOCUMENT_TOO_LARGE',
      `The document has ${bytes} bytes; at most ${limits.maxDocumentBytes} are allowed.`,
      limits.maxDocumentBytes,
    );
  }
  const scan = scanDocument(query, { maxTokens: limits.maxTokens, maxNesting: maxNesting(limits) });
  if (scan.exceeded === 'tokens') {
    throw new RequestRefusal(
      'TOO_MANY_TOKENS',
      `The document has more than ${limits.maxTokens} tokens; at most ${limits.maxTokens} are allowed.`,
      limits.maxTokens,
    );
  }
  if (scan.exceeded === 'nesting') {
    throw new RequestRefusal(
      'QUERY_TOO_DEEP',
      `The document nests brackets more than ${maxNesting(limits)} deep; fields may nest at most ${limits.maxDepth} deep.`,
      limits.maxDepth,
    );
  }
  checkRepeatedSelections(query, limits);
}

/**
 * Depth, aliases and directives of one operation of a batch, by the validation rules Apollo runs
 * (they are linear in the document): Apollo would refuse that operation with a 400 for the whole
 * answer while running and charging its siblings, so the batch is refused whole here instead.
 * Single operations are left to Apollo, which validates them once and caches the verdict.
 */
function checkBatchedDocument(query: unknown, limits: InputLimits, schema: GraphQLSchema): void {
  if (typeof query !== 'string') return;
  let checked = batchChecks.get(limits);
  if (!checked) {
    checked = { rules: documentLimitRules(limits), passed: new Set() };
    batchChecks.set(limits, checked);
  }
  // Batching clients (Apollo Client's BatchHttpLink) send the same documents again and again.
  if (checked.passed.has(query)) return;
  const document = parsedOrNull(query, limits);
  if (!document) return;
  const [error] = validate(schema, document, checked.rules);
  const code = error?.extensions.code;
  if (error && (INPUT_LIMIT_CODES as readonly unknown[]).includes(code)) {
    const limit = typeof error.extensions.limit === 'number' ? error.extensions.limit : undefined;
    throw new RequestRefusal(code as InputLimitCode, error.message, limit);
  }
  if (checked.passed.size >= MAX_REMEMBERED_DOCUMENTS) checked.passed.clear();
  checked.passed.add(query);
}

// The rules, built once, and the batched documents that passed them, per limits (one server).
const batchChecks = new WeakMap<InputLimits, { rules: ValidationRule[]; passed: Set<string> }>();

/**
 * The repeated selections, checked here as well as by the validation rule (which embedded
 * servers rely on) so that a batch is refused whole before any of its operations runs. The
 * document is parsed for it: within the token and nesting bounds just checked, that costs far
 * less than graphql-js's validation of a document with thousands of repeats.
 */
function checkRepeatedSelections(query: string, limits: InputLimits): void {
  const document = parsedOrNull(query, limits);
  if (!document) return;
  const refusal = refuseRepeatedSelections(document, limits.maxRepeatedSelections);
  if (refusal) throw new RequestRefusal(refusal.code, refusal.message, refusal.limit);
}

/**
 * The deepest bracket nesting a document may have before it is parsed: its fields may nest
 * `maxDepth` deep, and arguments, lists and input objects add a few levels more. Far below the
 * few hundred levels at which graphql-js's recursive parser and validation overflow the stack.
 */
export function maxNesting(limits: Pick<InputLimits, 'maxDepth'>): number {
  return 2 * limits.maxDepth + 8;
}

function checkVariables(variables: unknown, limits: InputLimits): void {
  // Most operations send none: nothing to measure.
  if (variables === undefined || variables === null) return;
  const { maxVariablesBytes: maxBytes, maxVariablesDepth: maxDepth } = limits;
  const measure = measureJson(variables, { maxBytes, maxDepth });
  if (measure.exceeded === 'bytes') {
    throw new RequestRefusal(
      'VARIABLES_TOO_LARGE',
      `The variables have more than ${maxBytes} bytes of JSON; at most ${maxBytes} are allowed.`,
      maxBytes,
    );
  }
  if (measure.exceeded === 'depth') {
    throw new RequestRefusal(
      'VARIABLES_TOO_LARGE',
      `The variables nest more than ${maxDepth} levels deep; at most ${maxDepth} are allowed.`,
      maxDepth,
    );
  }
}

/**
 * Refuses a JSON body that nests deeper than any acceptable request could, before it is parsed:
 * a batch array, an operation object, then `variables` nested at most `maxVariablesDepth` deep.
 */
export function checkBodyNesting(text: string, limits: Pick<InputLimits, 'maxVariablesDepth'>): void {
  const maxDepth = limits.maxVariablesDepth;
  if (jsonNestsDeeper(text, maxDepth + 2)) {
    throw new RequestRefusal(
      'VARIABLES_TOO_LARGE',
      `The request body nests JSON more than ${maxDepth + 2} levels deep; variables may nest at most ${maxDepth}.`,
      maxDepth,
    );
  }
}

// Apollo answers malformed `variables` of a GET itself; here they only need measuring.
function parseOrNull(json: string | null): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}

// The same checks Apollo's runHttpQuery makes of a POSTed operation before running it.
function checkOperationShape(
  operation: unknown,
  index: number,
): asserts operation is Record<string, unknown> {
  const problem = !isRecord(operation)
    ? 'is not a JSON object'
    : Object.keys(operation).length === 0
      ? 'is empty'
      : operation.query !== undefined && operation.query !== null && typeof operation.query !== 'string'
        ? 'has a `query` that is not a string'
        : !isOptionalRecord(operation.variables)
          ? 'has `variables` that are not an object'
          : !isOptionalRecord(operation.extensions)
            ? 'has `extensions` that are not an object'
            : !isOptionalString(operation.operationName)
              ? 'has an `operationName` that is not a string'
              : null;
  if (problem) throw new RequestRefusal('BAD_REQUEST', `Operation ${index} of the batch ${problem}.`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isOptionalRecord(value: unknown): boolean {
  return value === undefined || value === null || isRecord(value);
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}
