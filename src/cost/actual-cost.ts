import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLAbstractType,
  type GraphQLCompositeType,
  GraphQLIncludeDirective,
  type GraphQLObjectType,
  GraphQLSkipDirective,
  getDirectiveValues,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import { argumentsCost } from './argument-cost.js';
import type { CostModel } from './cost-model.js';
import type { CostRequest } from './operation.js';
import {
  analyseOperation,
  OPERATION_BASE_COST,
  type OperationAnalysis,
  wholeCost,
} from './operation-analysis.js';

/** One field of a selection set as it applies to one object type, with what it costs per item. */
export interface ShapeField {
  /** Where the value is in the response object (the alias, else the field name). */
  readonly responseKey: string;
  /** Cost of one non-null item (the field's weight). */
  readonly weight: number;
  /** What a null costs: only an explicit `@cost`, as in Apollo's router. */
  readonly nullCost: number;
  /** Cost of the field's arguments, once per evaluation of the field. */
  readonly argumentsCost: number;
  /** The composite type and selections below it, if any. */
  readonly below: Below | null;
}

/**
 * The fields of a selection set as they apply to one object type, split for the walk: what every
 * object of that type costs whatever its values (the fields' arguments, and leaves that cost
 * nothing, null or not: the demand-control model's scalars and enums), and the fields whose values
 * must be read.
 */
export interface Shape {
  /** Cost of one object of the type before any value is read. */
  readonly fixedCost: number;
  /** The fields whose values decide their cost: composite, weighted, or with a cost when null. */
  readonly valued: readonly ShapeField[];
}

/**
 * What is selected below a composite field. For an object type its fields are worked out once
 * (`shape`, on the first response that reaches them); an abstract type picks its member per object.
 */
interface Below {
  readonly type: GraphQLCompositeType;
  readonly selectionSet: SelectionSetNode;
  /** The type itself when it is an object type (no member to pick), else null. */
  readonly objectType: GraphQLObjectType | null;
  shape: Shape | undefined;
}

interface Walk {
  readonly model: CostModel;
  readonly analysis: OperationAnalysis;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
}

/**
 * The cost of the response the operation really produced: the estimate's rules, but every list sized
 * by the items returned. Null objects and lists cost nothing below them (a null still costs an
 * explicit `@cost`, as in Apollo's router); abstract types are priced as their `__typename` when the
 * response has it, else as their most expensive member. Repeated selections count as often as the
 * estimate counts them, so a response that returns every estimated item costs exactly the estimate.
 * `document` must be valid against the schema (Apollo has validated it by then). It runs on every
 * response, so what depends only on the document and variables is worked out once and remembered.
 */
export function actualCost(
  model: CostModel,
  document: DocumentNode,
  request: CostRequest,
  data: unknown,
): number {
  return actualCostOfAnalysis(model, analyseOperation(model, document, request), data);
}

/**
 * {@link actualCost} of an operation already analysed (`analyseOperation`): for a caller that
 * prices, plans and measures the same operation and looks its analysis up once.
 */
export function actualCostOfAnalysis(model: CostModel, analysis: OperationAnalysis, data: unknown): number {
  const { prepared } = analysis;
  const walk: Walk = { model, analysis, fragments: analysis.fragments };
  const base = OPERATION_BASE_COST[prepared.operation.operation];
  if (!isPlainObject(data)) return wholeCost(base);
  return wholeCost(
    base + objectCost(walk, shapeOf(walk, prepared.rootType, prepared.operation.selectionSet), data),
  );
}

// The walk below runs once per value of the response: it asks graphql-js no type questions (its
// `isListType` and kin cost a constructor-name comparison each when the answer is no, outside
// production mode), only the shapes worked out once per operation.

function selectionsCost(walk: Walk, below: Below, value: unknown): number {
  if (!isPlainObject(value)) return 0;
  if (below.objectType) {
    below.shape ??= shapeOf(walk, below.objectType, below.selectionSet);
    return objectCost(walk, below.shape, value);
  }
  const schema = walk.model.schema;
  const type = below.type as GraphQLAbstractType;
  const typename = schema.getType(String(value.__typename));
  if (isObjectType(typename) && schema.isSubType(type, typename)) {
    return objectCost(walk, shapeOf(walk, typename, below.selectionSet), value);
  }
  // No __typename in the response: as the estimate does, the most expensive possible type.
  let most = 0;
  for (const member of schema.getPossibleTypes(type)) {
    most = Math.max(most, objectCost(walk, shapeOf(walk, member, below.selectionSet), value));
  }
  return most;
}

function objectCost(walk: Walk, shape: Shape, object: Record<string, unknown>): number {
  let cost = shape.fixedCost;
  for (const field of shape.valued) cost += valueCost(walk, field, object[field.responseKey]);
  return cost;
}

/** A field's value: a list (of lists…) costs its items, each item the field's weight and what is below it. */
function valueCost(walk: Walk, field: ShapeField, value: unknown): number {
  if (value === null || value === undefined) return field.nullCost;
  if (Array.isArray(value)) {
    let sum = 0;
    for (const item of value) sum += valueCost(walk, field, item);
    return sum;
  }
  return field.below ? field.weight + selectionsCost(walk, field.below, value) : field.weight;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The fields of `selectionSet` that apply to an object of `type`, with their costs; remembered. */
function shapeOf(walk: Walk, type: GraphQLObjectType, selectionSet: SelectionSetNode): Shape {
  let byType = walk.analysis.shapes.get(selectionSet);
  if (!byType) {
    byType = new Map();
    walk.analysis.shapes.set(selectionSet, byType);
  }
  let shape = byType.get(type.name);
  if (!shape) {
    const fields = fieldsFor(walk, type, selectionSet).flatMap((node) => shapeField(walk, type, node) ?? []);
    // A leaf that costs nothing, whatever its value, is not read on any response: most of them are.
    const valued = fields.filter((field) => field.below || field.weight !== 0 || field.nullCost !== 0);
    const fixedCost = fields.reduce((sum, field) => sum + field.argumentsCost, 0);
    shape = { fixedCost, valued };
    byType.set(type.name, shape);
  }
  return shape;
}

function shapeField(walk: Walk, parent: GraphQLObjectType, node: FieldNode): ShapeField | null {
  const field = parent.getFields()[node.name.value];
  if (!field) return null;
  const costs = walk.model.fieldCost(parent.name, field);
  const named = getNamedType(field.type);
  return {
    responseKey: node.alias?.value ?? node.name.value,
    weight: costs.weight,
    nullCost: costs.explicitWeight ?? 0,
    argumentsCost: argumentsCost(walk.model, costs, node, walk.analysis.prepared.variables),
    below:
      isCompositeType(named) && node.selectionSet
        ? {
            type: named,
            selectionSet: node.selectionSet,
            objectType: isObjectType(named) ? named : null,
            shape: undefined,
          }
        : null,
  };
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
  const variables = walk.analysis.prepared.variables;
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}
