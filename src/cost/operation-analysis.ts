import {
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationTypeNode,
  type SelectionSetNode,
} from 'graphql';
import type { Shape } from './actual-cost.js';
import { argumentsCost } from './argument-cost.js';
import { requestKey } from './cost-cache.js';
import type { CostModel } from './cost-model.js';
import { type FieldScorer, walkOperation } from './cost-walk.js';
import { type CostRequest, type PreparedOperation, prepareOperation } from './operation.js';

/** The estimated price of one operation with one set of variables. */
export interface CostEstimate {
  /** Estimated cost in points: an integer, capped at `Number.MAX_SAFE_INTEGER`. */
  readonly cost: number;
  /** The kind of the priced operation (mutations carry a base cost of 10). */
  readonly operationType: OperationTypeNode;
}

/** One planned field invocation target: a tracked coordinate with one set of coerced arguments. */
export interface FieldCallPlan {
  /** Schema coordinate, e.g. `Query.data`. */
  readonly coordinate: string;
  /** The field's coerced argument values (schema defaults applied). */
  readonly args: Readonly<Record<string, unknown>>;
  /** Planned resolver invocations: aliases times the list sizes of the enclosing lists. */
  readonly count: number;
}

/** Everything remembered about one (document, operation name, variables). */
export interface OperationAnalysis {
  readonly estimate: CostEstimate;
  readonly prepared: PreparedOperation;
  /** Arguments of every field evaluation the price walk made, per coordinate: where plans look for targets. */
  readonly fieldArgs: ReadonlyMap<string, readonly Readonly<Record<string, unknown>>[]>;
  /** Plans already made, per `isTracked` predicate (pass a stable function to benefit). */
  readonly plans: WeakMap<(coordinate: string) => boolean, readonly FieldCallPlan[]>;
  /**
   * What `actualCost` needs of each selection set for each object type (fields with their costs),
   * worked out on the first response and reused for every later one.
   */
  readonly shapes: Map<SelectionSetNode, Map<string, Shape>>;
  /** The document's fragments by name, for `actualCost`'s walk. */
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
}

/** Base cost of an operation by type, as in Apollo's router. */
export const OPERATION_BASE_COST: Readonly<Record<OperationTypeNode, number>> = {
  query: 0,
  mutation: 10,
  subscription: 0,
};

/** An integer cost that survives JSON and Redis: huge products are capped rather than lose precision. */
export function wholeCost(cost: number): number {
  return Number.isSafeInteger(cost) ? cost : Math.min(Math.round(cost), Number.MAX_SAFE_INTEGER);
}

/**
 * The price scorer: `count × (weight + selections of one item) + arguments`, Apollo's field cost.
 * `onVisit` sees each scored field (for the breakdown and the plan's targets).
 */
export function priceScorer(
  model: CostModel,
  prepared: PreparedOperation,
  onVisit: (coordinate: string, visit: Parameters<FieldScorer>[0], cost: number) => void,
): FieldScorer {
  return (visit) => {
    const perItem = visit.fieldCost.weight + visit.childScore;
    const cost =
      visit.multiplier * perItem + argumentsCost(model, visit.fieldCost, visit.node, prepared.variables);
    onVisit(visit.fieldCost.coordinate, visit, cost);
    return cost;
  };
}

/** Prices the request's operation, or returns the remembered analysis of the same document and variables. */
export function analyseOperation(
  model: CostModel,
  document: DocumentNode,
  request: CostRequest,
): OperationAnalysis {
  const key = requestKey(request.operationName, request.variables);
  return model.cache.getOrCompute(document, key, () => {
    const prepared = prepareOperation(model.schema, document, request);
    const fieldArgs = new Map<string, Readonly<Record<string, unknown>>[]>();
    const scorer = priceScorer(model, prepared, (coordinate, visit) => {
      const seen = fieldArgs.get(coordinate);
      if (seen) seen.push(visit.args);
      else fieldArgs.set(coordinate, [visit.args]);
    });
    const type = prepared.operation.operation;
    const cost = wholeCost(OPERATION_BASE_COST[type] + walkOperation(model, prepared, scorer));
    return {
      estimate: Object.freeze({ cost, operationType: type }),
      prepared,
      fieldArgs,
      plans: new WeakMap(),
      shapes: new Map(),
      fragments: fragmentsOf(prepared.document),
    };
  });
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}
