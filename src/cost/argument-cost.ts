import {
  type FieldNode,
  type GraphQLInputType,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  Kind,
  type ValueNode,
} from 'graphql';
import type { InputCost } from './cost-directives.js';
import type { CostModel, FieldCost } from './cost-model.js';

/**
 * What the arguments written on one field node cost, once per invocation site (not multiplied by
 * the list sizes of the field itself), as Apollo's router scores them: a value costs its argument's
 * (or input field's) `@cost`, else its type's; an input object value costs that weight or 1, plus
 * its fields; a list value costs the weight plus each item; null and absent values cost nothing.
 * Arguments left to their schema default are not written, so they cost nothing either.
 */
export function argumentsCost(
  model: CostModel,
  fieldCost: FieldCost,
  node: FieldNode,
  variables: Readonly<Record<string, unknown>>,
): number {
  let cost = 0;
  for (const argument of node.arguments ?? []) {
    const input = fieldCost.arguments.get(argument.name.value);
    if (input) cost += scoreNode(model, argument.value, input, input.type, variables);
  }
  return cost;
}

function scoreNode(
  model: CostModel,
  value: ValueNode,
  input: InputCost,
  type: GraphQLInputType,
  variables: Readonly<Record<string, unknown>>,
): number {
  const nullable = getNullableType(type);
  switch (value.kind) {
    case Kind.VARIABLE:
      return scoreValue(model, variables[value.name.value], input, type);
    case Kind.NULL:
      return 0;
    case Kind.LIST: {
      const item = isListType(nullable) ? nullable.ofType : nullable;
      return value.values.reduce(
        (sum, v) => sum + scoreNode(model, v, input, item, variables),
        input.weight ?? 0,
      );
    }
    case Kind.OBJECT: {
      if (!isInputObjectType(nullable)) return input.weight ?? 0;
      let cost = input.weight ?? 1;
      for (const field of value.fields) {
        const fieldInput = model.inputFieldCost(nullable.name, field.name.value);
        if (fieldInput) cost += scoreNode(model, field.value, fieldInput, fieldInput.type, variables);
      }
      return cost;
    }
    default:
      return isListType(nullable)
        ? scoreNode(model, value, input, nullable.ofType, variables)
        : (input.weight ?? 0);
  }
}

/** The same rules for a variable's (coerced) value. */
function scoreValue(model: CostModel, value: unknown, input: InputCost, type: GraphQLInputType): number {
  if (value === undefined || value === null) return 0;
  const nullable = getNullableType(type);
  if (Array.isArray(value)) {
    const item = isListType(nullable) ? nullable.ofType : nullable;
    return value.reduce<number>((sum, v) => sum + scoreValue(model, v, input, item), input.weight ?? 0);
  }
  const named = getNamedType(nullable);
  if (isInputObjectType(named) && typeof value === 'object') {
    let cost = input.weight ?? 1;
    for (const [name, fieldValue] of Object.entries(value)) {
      const fieldInput = model.inputFieldCost(named.name, name);
      if (fieldInput) cost += scoreValue(model, fieldValue, fieldInput, fieldInput.type);
    }
    return cost;
  }
  return input.weight ?? 0;
}
