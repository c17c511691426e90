import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLIncludeDirective,
  type GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLSkipDirective,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import { argumentsCost } from './argument-cost.js';
import type { CostModel } from './cost-model.js';
import { type CostRequest, type PreparedOperation, prepareOperation } from './operation.js';
import { OPERATION_BASE_COST, wholeCost } from './operation-analysis.js';

interface Walk {
  readonly model: CostModel;
  readonly prepared: PreparedOperation;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
}

/**
 * The cost of the response the operation really produced: the estimate's rules, but every list sized
 * by the items returned. Null objects and lists cost nothing below them (a null still costs an
 * explicit `@cost`, as in Apollo's router); abstract types are priced as their `__typename` when the
 * response has it, else as their most expensive member. Repeated selections count as often as the
 * estimate counts them, so a response that returns every estimated item costs exactly the estimate.
 * `document` must be valid against the schema (Apollo has validated it by then).
 */
export function actualCost(
  model: CostModel,
  document: DocumentNode,
  request: CostRequest,
  data: unknown,
): number {
  const prepared = prepareOperation(model.schema, document, request);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of prepared.document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const walk: Walk = { model, prepared, fragments };
  const base = OPERATION_BASE_COST[prepared.operation.operation];
  return wholeCost(base + selectionsCost(walk, prepared.rootType, prepared.operation.selectionSet, data));
}

function selectionsCost(
  walk: Walk,
  type: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  value: unknown,
): number {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 0;
  const object = value as Record<string, unknown>;
  if (isObjectType(type)) return objectCost(walk, type, selectionSet, object);
  const schema = walk.model.schema;
  const typename = schema.getType(String(object.__typename));
  if (isObjectType(typename) && isAbstractType(type) && schema.isSubType(type, typename)) {
    return objectCost(walk, typename, selectionSet, object);
  }
  // No __typename in the response: as the estimate does, the most expensive possible type.
  const members = isAbstractType(type) ? schema.getPossibleTypes(type) : [];
  return Math.max(0, ...members.map((member) => objectCost(walk, member, selectionSet, object)));
}

function objectCost(
  walk: Walk,
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  object: Record<string, unknown>,
): number {
  let cost = 0;
  for (const node of fieldsFor(walk, type, selectionSet)) {
    cost += fieldCost(walk, type, node, object[node.alias?.value ?? node.name.value]);
  }
  return cost;
}

function fieldCost(walk: Walk, parent: GraphQLObjectType, node: FieldNode, value: unknown): number {
  const field = parent.getFields()[node.name.value];
  if (!field) return 0;
  const costs = walk.model.fieldCost(parent.name, field);
  const itemCost = (type: GraphQLOutputType, item: unknown): number => {
    if (item === null || item === undefined) return costs.explicitWeight ?? 0;
    const nullable = getNullableType(type);
    if (Array.isArray(item)) {
      const itemType = isListType(nullable) ? nullable.ofType : nullable;
      return item.reduce<number>((sum, each) => sum + itemCost(itemType, each), 0);
    }
    const named = getNamedType(nullable);
    const below =
      isCompositeType(named) && node.selectionSet ? selectionsCost(walk, named, node.selectionSet, item) : 0;
    return costs.weight + below;
  };
  return itemCost(field.type, value) + argumentsCost(walk.model, costs, node, walk.prepared.variables);
}

/** The field nodes of `selectionSet` that apply to an object of `type`: fragments expanded, skips dropped. */
function fieldsFor(walk: Walk, type: GraphQLObjectType, selectionSet: SelectionSetNode): FieldNode[] {
  const out: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (!included(walk, selection)) continue;
    if (selection.kind === Kind.FIELD) {
      out.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(walk, type, selection.typeCondition?.name.value)) {
        out.push(...fieldsFor(walk, type, selection.selectionSet));
      }
    } else {
      const fragment = walk.fragments.get(selection.name.value);
      if (fragment && applies(walk, type, fragment.typeCondition.name.value)) {
        out.push(...fieldsFor(walk, type, fragment.selectionSet));
      }
    }
  }
  return out;
}

function applies(walk: Walk, type: GraphQLObjectType, condition: string | undefined): boolean {
  if (condition === undefined || condition === type.name) return true;
  const conditionType = walk.model.schema.getType(condition);
  return isAbstractType(conditionType) && walk.model.schema.isSubType(conditionType, type);
}

function included(walk: Walk, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  const variables = walk.prepared.variables;
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}
