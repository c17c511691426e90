/**
 * Pricing: Apollo GraphOS Router's static cost model (`@cost`, `@listSize`) on graphql-query-complexity.
 * Pure functions of the schema, the document and the variables: no Redis, no Apollo. What the rest
 * of Tollgate uses of it, and nothing more (a dead-export check keeps it so).
 */
export { actualCost, actualCostOfAnalysis } from './actual-cost.js';
export { CostDirectiveError } from './cost-errors.js';
export { type CostModel, type CostModelOptions, createCostModel } from './cost-model.js';
export { estimateCost, estimateCostWithBreakdown } from './estimate-cost.js';
export type { CostRequest } from './operation.js';
export { analyseOperation, type FieldCallPlan, type OperationAnalysis } from './operation-analysis.js';
export { planFieldCalls, planOfAnalysis } from './plan-field-calls.js';
