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
  isInputObjectType,
  isListType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { CostDirectiveError } from './cost-errors.js';
import { readSizedFields, type SizedFieldTree } from './sized-fields.js';

/** `@listSize` of one field, as read from the schema and checked at start-up. */
export interface ListSizeRule {
  /** `assumedSize`, when given: the size when no slicing argument has a value. */
  readonly assumedSize: number | undefined;
  /** Arguments (or input fields below them) whose (largest) value is the list size. */
  readonly slicingArguments: readonly SlicingArgument[];
  /** Child list fields of the returned type that take this field's size (Relay `edges`), if any. */
  readonly sizedFields: SizedFieldTree | undefined;
  /** Whether exactly one slicing argument must have a value (schema defaults count). Default `true`. */
  readonly requireOneSlicingArgument: boolean;
}

/** One entry of `slicingArguments`: an argument, or a dotted path through input objects below one. */
export interface SlicingArgument {
  /** As written in the schema: `first`, `ids`, `input.pagination.first`. */
  readonly name: string;
  /** `name` split at its dots: the argument, then the input fields below it. */
  readonly path: readonly string[];
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
  const fail = (reason: string): never => {
    throw new CostDirectiveError(coordinate, `@listSize on ${coordinate}: ${reason}`);
  };
  const assumedSize = typeof raw.assumedSize === 'number' ? raw.assumedSize : undefined;
  if (assumedSize !== undefined && (!Number.isSafeInteger(assumedSize) || assumedSize < 0)) {
    fail(`assumedSize ${assumedSize} must be a non-negative integer`);
  }
  const slicingNames: string[] = Array.isArray(raw.slicingArguments) ? raw.slicingArguments.map(String) : [];
  const sizedNames: string[] = Array.isArray(raw.sizedFields) ? raw.sizedFields.map(String) : [];
  if (!isListType(getNullableType(field.type)) && sizedNames.length === 0) {
    fail('the field does not return a list and has no sizedFields');
  }
  return {
    assumedSize,
    slicingArguments: slicingNames.map((name) => readSlicingArgument(field, name, fail)),
    sizedFields:
      sizedNames.length > 0 ? readSizedFields(sizedNames, getNamedType(field.type), fail) : undefined,
    requireOneSlicingArgument: raw.requireOneSlicingArgument !== false,
  };
}

/**
 * Checks one `slicingArguments` entry, as Apollo Router 2.12 reads them: an argument of the field,
 * or a dotted path through input objects below one (`input.pagination.first`), ending on an `Int`
 * (its value is the size) or on a list (its length is the size).
 */
function readSlicingArgument(
  field: GraphQLField<unknown, unknown>,
  name: string,
  fail: (reason: string) => never,
): SlicingArgument {
  const path = name.split('.');
  const [argumentName = '', ...steps] = path;
  const argument = field.args.find((arg) => arg.name === argumentName);
  if (!argument) {
    fail(
      steps.length === 0
        ? `slicing argument "${name}" is not an argument of the field`
        : `slicing argument "${name}": "${argumentName}" is not an argument of the field`,
    );
  }
  let type: GraphQLInputType = argument.type;
  let walked = argumentName;
  for (const step of steps) {
    const input = getNullableType(type);
    if (!isInputObjectType(input)) {
      fail(`slicing argument "${name}": ${walked} is of type ${type.toString()}, not an input object`);
    }
    const next = input.getFields()[step];
    if (!next) fail(`slicing argument "${name}": input ${input.name} has no field "${step}"`);
    type = next.type;
    walked = `${walked}.${step}`;
  }
  const end = getNullableType(type);
  if (!isListType(end) && end.toString() !== 'Int') {
    fail(`slicing argument "${name}" must be of type Int or a list, not ${type.toString()}`);
  }
  return { name, path };
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
