import type { DocumentNode } from 'graphql';
import { queryTooComplex } from './cost-errors.js';
import type { CostModel } from './cost-model.js';
import { walkOperation } from './cost-walk.js';
import type { CostRequest } from './operation.js';
import { analyseOperation, type FieldCallPlan, type OperationAnalysis } from './operation-analysis.js';

interface Target {
  readonly coordinate: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly argsKey: string;
}

/**
 * The planned resolver invocations of every tracked field of the request's operation, grouped by
 * (coordinate, coerced arguments): aliases times the list sizes of the enclosing lists, with
 * `@skip`/`@include`, fragments and abstract types (largest member) handled by the very walk and
 * list sizes that price the operation.
 *
 * The price walk (remembered) records which fields it saw with which arguments; each tracked
 * (coordinate, arguments) then gets one more walk in which that target scores 1 per invocation and
 * everything else 0, while list sizes still multiply what lies below them. Plans are remembered per
 * `isTracked` function, so pass the same function every time.
 * Throws `QUERY_TOO_COMPLEX` beyond `maxPlanTargets` distinct targets, and whatever the price throws.
 */
export function planFieldCalls(
  model: CostModel,
  document: DocumentNode,
  request: CostRequest,
  isTracked: (coordinate: string) => boolean,
): FieldCallPlan[] {
  // A fresh array each time: callers may sort or filter it without touching the remembered plan.
  return [...planOfAnalysis(model, analyseOperation(model, document, request), isTracked)];
}

/**
 * {@link planFieldCalls} of an operation already analysed (`analyseOperation`), as remembered:
 * frozen, shared by every request of the same document and variables.
 */
export function planOfAnalysis(
  model: CostModel,
  analysis: OperationAnalysis,
  isTracked: (coordinate: string) => boolean,
): readonly FieldCallPlan[] {
  let plan = analysis.plans.get(isTracked);
  if (!plan) {
    const targets = findTargets(analysis.fieldArgs, isTracked);
    if (targets.length > model.config.maxPlanTargets) {
      throw queryTooComplex(
        `${targets.length} distinct rate-limited field calls, more than ${model.config.maxPlanTargets}`,
      );
    }
    plan = Object.freeze(
      targets
        .map((target) => ({
          coordinate: target.coordinate,
          args: target.args,
          count: countCalls(model, analysis, target),
        }))
        .filter((call) => call.count > 0),
    );
    analysis.plans.set(isTracked, plan);
  }
  return plan;
}

function findTargets(
  fieldArgs: ReadonlyMap<string, readonly Readonly<Record<string, unknown>>[]>,
  isTracked: (coordinate: string) => boolean,
): Target[] {
  const targets = new Map<string, Target>();
  for (const [coordinate, argsSeen] of fieldArgs) {
    if (!isTracked(coordinate)) continue;
    for (const args of argsSeen) {
      // Coerced arguments list their keys in schema order, so equal arguments give equal JSON.
      const argsKey = JSON.stringify(args);
      const id = `${coordinate}\u0000${argsKey}`;
      if (!targets.has(id)) targets.set(id, { coordinate, args, argsKey });
    }
  }
  return [...targets.values()];
}

function countCalls(model: CostModel, analysis: OperationAnalysis, target: Target): number {
  return walkOperation(model, analysis.prepared, (visit) => {
    const hit =
      visit.fieldCost.coordinate === target.coordinate && JSON.stringify(visit.args) === target.argsKey
        ? 1
        : 0;
    return hit + visit.multiplier * visit.childScore;
  });
}
