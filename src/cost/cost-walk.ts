import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLError,
  getArgumentValues,
  type InlineFragmentNode,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  ValidationContext,
  visit,
  visitWithTypeInfo,
} from 'graphql';
// The CommonJS build on purpose: gqc's ESM build deep-imports `graphql/index.mjs`, a second copy of
// graphql-js beside the CommonJS one Node, Apollo and graphql-tools load (slicknode/graphql-query-complexity#100).
import { type ComplexityEstimatorArgs, createComplexityRule } from 'graphql-query-complexity/cjs';
import { badUserInput, queryTooComplex } from './cost-errors.js';
import type { CostModel, FieldCost } from './cost-model.js';
import {
  defaultListSize,
  type ListSize,
  listSizeBelow,
  ownListSize,
  type SizedScopes,
  scopesBelow,
} from './list-size.js';
import type { PreparedOperation } from './operation.js';

/** One evaluation of one field node, handed by the walk to a {@link FieldScorer}. */
export interface FieldVisit {
  readonly fieldCost: FieldCost;
  readonly node: FieldNode;
  /** The field's coerced arguments (schema defaults applied). */
  readonly args: Readonly<Record<string, unknown>>;
  /** Items per invocation: the list size, 1 for a field that is not a list. */
  readonly multiplier: number;
  /** The list size and where it came from; `undefined` for a field that is not a list. */
  readonly listSize: ListSize | undefined;
  /** What the scorer gave the selections of one item; for abstract types, the largest member's. */
  readonly childScore: number;
  /** Response path through aliases, e.g. `books.author.name`. */
  readonly path: string;
}

/** Gives one field visit its score: the price, or a planned invocation count. */
export type FieldScorer = (visit: FieldVisit) => number;

type WalkedNode = FieldNode | FragmentDefinitionNode | InlineFragmentNode | OperationDefinitionNode;

/** The walk's own stack, beside gqc's recursion: what a child field needs to know of its parents. */
interface Frame {
  readonly isField: boolean;
  readonly typeDef: GraphQLCompositeType | undefined;
  /** Response path of the innermost enclosing field ('' at the root). */
  readonly path: string;
  /** The sizes this field passes down to its selections through `sizedFields`. */
  readonly sized?: SizedScopes | undefined;
}

// gqc 1.1.0 throws this (uncoded) once `maxQueryNodes` selections have been visited.
const NODE_LIMIT_MESSAGE = 'Query exceeds the maximum allowed number of nodes';

/**
 * Walks the prepared operation with graphql-query-complexity and returns the total score, `scorer`
 * deciding what one field scores. gqc handles `@skip`/`@include`, fragments, aliases and abstract
 * types (largest member); this walk adds the list sizes, so price and plan multiply alike.
 *
 * gqc calls estimators bottom-up and does not tell a field who its parent is, which a sized field
 * (`edges` of a connection, `page` of `results { page }`) needs. So the walk wraps the rule's public
 * `nodeComplexity` method, entered top-down for every selection set, to keep a stack of enclosing fields.
 */
export function walkOperation(model: CostModel, prepared: PreparedOperation, scorer: FieldScorer): number {
  const { schema, config } = model;
  const typeInfo = new TypeInfo(schema);
  const reported: GraphQLError[] = [];
  const context = new ValidationContext(schema, prepared.document, typeInfo, (error) => reported.push(error));
  const frames: Frame[] = [];
  const fallback = defaultListSize(config.defaultListSize);

  const estimator = (a: ComplexityEstimatorArgs): number => {
    // __typename is free and has no coordinate of its own (Apollo skips it too).
    if (a.field.name === '__typename') return 0;
    const fieldCost = model.fieldCost(a.type.name, a.field);
    const parent = innermostField(frames);
    const own = fieldCost.listSize
      ? ownListSize(fieldCost.coordinate, fieldCost.listSize, a.args)
      : undefined;
    const listSize = fieldCost.isList ? listSizeBelow(parent?.sized, a.field.name, own, fallback) : undefined;
    return scorer({
      fieldCost,
      node: a.node,
      args: a.args,
      multiplier: listSize?.count ?? 1,
      listSize,
      childScore: a.childComplexity,
      path: childPath(parent, a.node),
    });
  };

  const rule = createComplexityRule({
    maximumComplexity: Number.POSITIVE_INFINITY,
    estimators: [estimator],
    variables: prepared.rawVariables,
    maxQueryNodes: config.maxQueryNodes,
  })(context);
  const nodeComplexity = rule.nodeComplexity.bind(rule);
  // gqc recurses through `this.nodeComplexity`, so this own property sees every selection set.
  rule.nodeComplexity = (node: WalkedNode, typeDef) => {
    frames.push(openFrame(model, prepared, frames, node, typeDef));
    try {
      return nodeComplexity(node, typeDef);
    } finally {
      frames.pop();
    }
  };

  try {
    visit(prepared.document, visitWithTypeInfo(typeInfo, rule));
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(NODE_LIMIT_MESSAGE)) {
      throw queryTooComplex(`more than ${config.maxQueryNodes} selections once fragments are expanded`);
    }
    throw error;
  }
  const [first] = reported;
  if (first) throw badUserInput(first.message);
  return rule.complexity;
}

function openFrame(
  model: CostModel,
  prepared: PreparedOperation,
  frames: readonly Frame[],
  node: WalkedNode,
  typeDef: GraphQLCompositeType | undefined,
): Frame {
  const parent = innermostField(frames);
  if (node.kind !== Kind.FIELD) return { isField: false, typeDef, path: parent?.path ?? '' };
  const path = childPath(parent, node);
  const parentType = frames.at(-1)?.typeDef;
  if (!isObjectType(parentType) && !isInterfaceType(parentType)) return { isField: true, typeDef, path };
  const field = parentType.getFields()[node.name.value];
  if (!field) return { isField: true, typeDef, path };
  const { coordinate, listSize: rule } = model.fieldCost(parentType.name, field);
  // Most fields neither size their selections nor lie on a sized path: nothing to carry down.
  if (!rule?.sizedFields && !parent?.sized) return { isField: true, typeDef, path };
  const own = rule?.sizedFields
    ? ownListSize(coordinate, rule, getArgumentValues(field, node, prepared.variables))
    : undefined;
  return { isField: true, typeDef, path, sized: scopesBelow(parent?.sized, field.name, rule, own) };
}

function innermostField(frames: readonly Frame[]): Frame | undefined {
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i];
    if (frame?.isField) return frame;
  }
  return undefined;
}

function childPath(parent: Frame | undefined, node: FieldNode): string {
  const key = node.alias?.value ?? node.name.value;
  return parent ? `${parent.path}.${key}` : key;
}
