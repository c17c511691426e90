import type { DocumentNode } from 'graphql';
import type { CostModel } from './cost-model.js';
import { walkOperation } from './cost-walk.js';
import type { ListSizeSource } from './list-size.js';
import { type CostRequest, prepareOperation } from './operation.js';
import {
  analyseOperation,
  type CostEstimate,
  OPERATION_BASE_COST,
  priceScorer,
  wholeCost,
} from './operation-analysis.js';

/** One field's share of a price, for people reading it (the `cost` command). */
export interface FieldCostLine {
  /** Response path through aliases, e.g. `books.author`. */
  readonly path: string;
  /** Schema coordinate, e.g. `Book.author`. */
  readonly coordinate: string;
  /** Cost of one evaluation of this field, its selections and arguments included. */
  readonly cost: number;
  /** Items per invocation: the list size used, 1 for a field that is not a list. */
  readonly multiplier: number;
  /** Where a list field's size came from (absent for a field that is not a list). */
  readonly listSize?: ListSizeSource;
}

/** A price with its per-field breakdown. */
export interface CostBreakdown extends CostEstimate {
  /** Every field evaluated, children before parents. With abstract types, members that lost the max are listed too. */
  readonly fields: readonly FieldCostLine[];
}

/**
 * The estimated cost of the request's operation (Apollo GraphOS Router's static cost), remembered per
 * document and (operation name, variables): the same inputs return the same object without a walk.
 * Throws coded `GraphQLError`s: `BAD_USER_INPUT`, `COST_SLICING_ARGUMENT_REQUIRED`,
 * `COST_INVALID_SLICING_ARGUMENT`, `QUERY_TOO_COMPLEX`, `OPERATION_RESOLUTION_FAILURE`.
 */
export function estimateCost(model: CostModel, document: DocumentNode, request: CostRequest): CostEstimate {
  return analyseOperation(model, document, request).estimate;
}

/** {@link estimateCost} with the share of every field; computed afresh on each call (it is for tooling). */
export function estimateCostWithBreakdown(
  model: CostModel,
  document: DocumentNode,
  request: CostRequest,
): CostBreakdown {
  const prepared = prepareOperation(model.schema, document, request);
  const fields: FieldCostLine[] = [];
  const scorer = priceScorer(model, prepared, (coordinate, visit, cost) => {
    const line = { path: visit.path, coordinate, cost, multiplier: visit.multiplier };
    fields.push(visit.listSize ? { ...line, listSize: visit.listSize.source } : line);
  });
  const type = prepared.operation.operation;
  const cost = wholeCost(OPERATION_BASE_COST[type] + walkOperation(model, prepared, scorer));
  return { cost, operationType: type, fields };
}
