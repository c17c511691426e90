import {
  type DefinitionNode,
  type DocumentNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  getVariableValues,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { badUserInput, operationResolutionFailure } from './cost-errors.js';

/** What one request asks: variables as sent and the operation to run. */
export interface CostRequest {
  /** Variables as sent by the client (coerced here against the operation's definitions). */
  variables?: Record<string, unknown>;
  /** The operation to price; may be omitted when the document holds one operation. */
  operationName?: string | null;
}

/** The one operation of a request that is priced, with its variables coerced. */
export interface PreparedOperation {
  /** The selected operation. */
  readonly operation: OperationDefinitionNode;
  /** `Query`, `Mutation` or `Subscription`: where its selections start. */
  readonly rootType: GraphQLObjectType;
  /** A document with only this operation and every fragment, so gqc prices nothing else. */
  readonly document: DocumentNode;
  /** Variables as sent (gqc coerces them again itself). */
  readonly rawVariables: Record<string, unknown>;
  /** Variables coerced to the operation's variable types, defaults applied. */
  readonly variables: Readonly<Record<string, unknown>>;
}

/** Selects the operation to price and coerces its variables: `BAD_USER_INPUT` when they are missing or invalid. */
export function prepareOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  request: CostRequest,
): PreparedOperation {
  const operation = selectOperation(document, request.operationName);
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) {
    throw operationResolutionFailure(`The schema does not support ${operation.operation} operations.`);
  }
  const rawVariables = request.variables ?? {};
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  if (coerced.errors) {
    throw badUserInput(coerced.errors.map((error) => error.message).join(' '));
  }
  const fragments = document.definitions.filter((d: DefinitionNode) => d.kind === Kind.FRAGMENT_DEFINITION);
  return {
    operation,
    rootType,
    document: { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] },
    rawVariables,
    variables: coerced.coerced,
  };
}

function selectOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationDefinitionNode {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName) {
    const named = operations.find((op) => op.name?.value === operationName);
    if (!named) throw operationResolutionFailure(`Unknown operation named "${operationName}".`);
    return named;
  }
  const [only, ...others] = operations;
  if (!only) throw operationResolutionFailure('The document contains no operation.');
  if (others.length > 0) {
    throw operationResolutionFailure('Must provide operation name if query contains multiple operations.');
  }
  return only;
}
