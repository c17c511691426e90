/**
 * Pricing: Apollo GraphOS Router's static cost model (`@cost`, `@listSize`) on graphql-query-complexity.
 * Pure functions of the schema, the document and the variables: no Redis, no Apollo.
 */
export { actualCost } from './actual-cost.js';
export type { InputCost, ListSizeRule, SlicingArgument } from './cost-directives.js';
export {
  badUserInput,
  CostDirectiveError,
  type CostErrorCode,
  costError,
  invalidSlicingArgument,
  queryTooComplex,
  slicingArgumentRequired,
} from './cost-errors.js';
export {
  type CostModel,
  type CostModelConfig,
  type CostModelOptions,
  createCostModel,
  type FieldCost,
} from './cost-model.js';
export {
  type CostBreakdown,
  estimateCost,
  estimateCostWithBreakdown,
  type FieldCostLine,
} from './estimate-cost.js';
export type { ListSize, ListSizeSource } from './list-size.js';
export type { CostRequest } from './operation.js';
export type { CostEstimate, FieldCallPlan } from './operation-analysis.js';
export { planFieldCalls } from './plan-field-calls.js';
export type { SizedFieldTree } from './sized-fields.js';
