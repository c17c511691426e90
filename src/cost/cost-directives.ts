import { getDirective } from '@graphql-tools/utils';
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { CostDirectiveError } from './cost-errors.js';

/** `@listSize` of one field, as read from the schema and checked at start-up. */
export interface ListSizeRule {
  /** `assumedSize`, when given: the size when no slicing argument has a value. */
  readonly assumedSize: number | undefined;
  /** Arguments whose (largest) value is the list size. */
  readonly slicingArguments: readonly string[];
  /** Child list fields of the returned type that take this field's size (Relay `edges`). */
  readonly sizedFields: ReadonlySet<string>;
  /** Whether exactly one slicing argument must have a value (schema defaults count). Default `true`. */
  readonly requireOneSlicingArgument: boolean;
}

/** The cost of passing a value to an argument or input field: its own `@cost`, else its type's. */
export interface InputCost {
  /** Explicit weight, or `undefined` for the defaults (1 for an input object value, 0 for the rest). */
  readonly weight: number | undefined;
  /** The argument's or input field's type. */
  readonly type: GraphQLInputType;
}

/** Reads the `weight` of `@cost` on a schema element, rejecting negative weights. */
export function readCostWeight(
  schema: GraphQLSchema,
  element: GraphQLNamedType | GraphQLField<unknown, unknown> | GraphQLArgument | GraphQLInputField,
  coordinate: string,
): number | undefined {
  const weight: unknown = getDirective(schema, element, 'cost')?.[0]?.weight;
  if (weight === undefined || weight === null) return undefined;
  if (typeof weight !== 'number' || !Number.isSafeInteger(weight) || weight < 0) {
    throw new CostDirectiveError(
      coordinate,
      `@cost on ${coordinate}: weight ${String(weight)} must be a non-negative integer`,
    );
  }
  return weight;
}

/** The explicit `@cost` of a named type (objects, scalars and enums may carry one). */
export function readTypeWeight(schema: GraphQLSchema, type: GraphQLNamedType): number | undefined {
  if (!isObjectType(type) && !isScalarType(type) && !isEnumType(type)) return undefined;
  return readCostWeight(schema, type, type.name);
}

/** Reads and validates `@listSize` on `Type.field`; `undefined` when the field has none. */
export function readListSize(
  schema: GraphQLSchema,
  field: GraphQLField<unknown, unknown>,
  coordinate: string,
): ListSizeRule | undefined {
  const raw = getDirective(schema, field, 'listSize')?.[0];
  if (!raw) return undefined;
  const rule: ListSizeRule = {
    assumedSize: typeof raw.assumedSize === 'number' ? raw.assumedSize : undefined,
    slicingArguments: Array.isArray(raw.slicingArguments) ? raw.slicingArguments.map(String) : [],
    sizedFields: new Set(Array.isArray(raw.sizedFields) ? raw.sizedFields.map(String) : []),
    requireOneSlicingArgument: raw.requireOneSlicingArgument !== false,
  };
  validateListSize(field, coordinate, rule);
  return rule;
}

/** The start-up checks of the cost spec's "valid list size target" and Apollo's composition rules. */
function validateListSize(
  field: GraphQLField<unknown, unknown>,
  coordinate: string,
  rule: ListSizeRule,
): void {
  const fail = (reason: string) => {
    throw new CostDirectiveError(coordinate, `@listSize on ${coordinate}: ${reason}`);
  };
  if (rule.assumedSize !== undefined && (!Number.isSafeInteger(rule.assumedSize) || rule.assumedSize < 0)) {
    fail(`assumedSize ${rule.assumedSize} must be a non-negative integer`);
  }
  for (const name of rule.slicingArguments) {
    const argument = field.args.find((arg) => arg.name === name);
    if (!argument) fail(`slicing argument "${name}" is not an argument of the field`);
    else if (getNullableType(argument.type).toString() !== 'Int') {
      fail(`slicing argument "${name}" must be of type Int, not ${argument.type.toString()}`);
    }
  }
  const returned = getNamedType(field.type);
  for (const name of rule.sizedFields) {
    const child =
      isObjectType(returned) || isInterfaceType(returned) ? returned.getFields()[name] : undefined;
    if (!child || !isListType(getNullableType(child.type))) {
      fail(`sized field "${name}" is not a list field of ${returned.name}`);
    }
  }
  if (!isListType(getNullableType(field.type)) && rule.sizedFields.size === 0) {
    fail('the field does not return a list and has no sizedFields');
  }
}

/** Reads the argument or input field weight: its own `@cost`, else the `@cost` of its (scalar/enum) type. */
export function readInputCost(
  schema: GraphQLSchema,
  input: GraphQLArgument | GraphQLInputField,
  coordinate: string,
): InputCost {
  const own = readCostWeight(schema, input, coordinate);
  return { weight: own ?? readTypeWeight(schema, getNamedType(input.type)), type: input.type };
}

/** The default weight of a type where it is returned: 1 for objects, interfaces and unions, else 0. */
export function defaultTypeWeight(type: GraphQLNamedType): number {
  return isCompositeType(type) ? 1 : 0;
}
