import { GraphQLError } from 'graphql';

/** The request-time error codes the pricing module answers with; each stops the request with a 400. */
export type CostErrorCode =
  | 'COST_SLICING_ARGUMENT_REQUIRED'
  | 'COST_INVALID_SLICING_ARGUMENT'
  | 'QUERY_TOO_COMPLEX'
  | 'BAD_USER_INPUT'
  | 'OPERATION_RESOLUTION_FAILURE';

/**
 * A schema whose `@cost` or `@listSize` cannot be priced, found once at start-up by
 * `createCostModel`. Not a GraphQL error: no client ever sees it.
 */
export class CostDirectiveError extends Error {
  override readonly name = 'CostDirectiveError';

  /**
   * @param coordinate - the schema coordinate of the offending element, e.g. `Query.books`
   * @param message - the full message, which starts with the directive and names the coordinate
   */
  constructor(
    readonly coordinate: string,
    message: string,
  ) {
    super(message);
  }
}

/** Creates a coded GraphQL error that ends the request with HTTP 400 (through Apollo's `extensions.http`). */
export function costError(code: CostErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/** `@listSize(requireOneSlicingArgument: true)` and the field got none or several slicing arguments. */
export function slicingArgumentRequired(
  coordinate: string,
  slicingArguments: readonly string[],
  provided: number,
): GraphQLError {
  const names = slicingArguments.map((name) => `"${name}"`).join(', ');
  return costError(
    'COST_SLICING_ARGUMENT_REQUIRED',
    `Field ${coordinate} requires exactly one of the slicing arguments ${names}, but ${provided} were provided.`,
  );
}

/** A slicing argument whose value cannot be a list size. */
export function invalidSlicingArgument(coordinate: string, argument: string, value: unknown): GraphQLError {
  return costError(
    'COST_INVALID_SLICING_ARGUMENT',
    `Slicing argument "${argument}" of field ${coordinate} must be a non-negative integer, got ${JSON.stringify(value)}.`,
  );
}

/** The operation has more selections than the pricing walk may visit (`maxQueryNodes`), or too many targets to plan. */
export function queryTooComplex(detail: string): GraphQLError {
  return costError('QUERY_TOO_COMPLEX', `The operation is too complex to price: ${detail}.`);
}

/** Missing or invalid variables, or arguments that do not coerce. */
export function badUserInput(message: string): GraphQLError {
  return costError('BAD_USER_INPUT', message);
}

/** No operation to price: unknown `operationName`, or several operations and no name. */
export function operationResolutionFailure(message: string): GraphQLError {
  return costError('OPERATION_RESOLUTION_FAILURE', message);
}
