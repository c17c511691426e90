import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  type FieldNode,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type ValueNode,
} from 'graphql';

const RATE_LIMIT_FIELD = 'rateLimit';

/** Whether the operation asks `rateLimit(dryRun: true)` at its root: price and report, run nothing. */
export function isDryRun(
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
): boolean {
  if (operation.operation !== 'query') return false;
  return rootRateLimitFields(operation).some((field) => {
    const arg = field.arguments?.find((a) => a.name.value === 'dryRun');
    return arg !== undefined && booleanValue(arg.value, variables, operation);
  });
}

/**
 * Executes only the root `rateLimit` fields of a dry-run operation: its other fields are
 * priced but never resolved.
 */
export async function executeDryRun(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  contextValue: unknown,
  variableValues: Record<string, unknown> | undefined,
): Promise<ExecutionResult> {
  const onlyRateLimit: OperationDefinitionNode = {
    ...operation,
    selectionSet: { ...operation.selectionSet, selections: rootRateLimitFields(operation) },
  };
  const definitions = document.definitions.map((d) => (d === operation ? onlyRateLimit : d));
  return execute({
    schema,
    document: { ...document, definitions },
    operationName: operation.name?.value,
    contextValue,
    variableValues,
  }) as Promise<ExecutionResult>;
}

function rootRateLimitFields(operation: OperationDefinitionNode): FieldNode[] {
  return operation.selectionSet.selections.filter(
    (s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === RATE_LIMIT_FIELD,
  );
}

function booleanValue(
  value: ValueNode,
  variables: Record<string, unknown>,
  operation: OperationDefinitionNode,
): boolean {
  if (value.kind === Kind.BOOLEAN) return value.value;
  if (value.kind !== Kind.VARIABLE) return false;
  const name = value.name.value;
  if (name in variables) return variables[name] === true;
  // Not sent: the variable's default, as execution would use it.
  const fallback = operation.variableDefinitions?.find((d) => d.variable.name.value === name)?.defaultValue;
  return fallback?.kind === Kind.BOOLEAN && fallback.value;
}
