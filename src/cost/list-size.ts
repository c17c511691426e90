import type { ListSizeRule } from './cost-directives.js';
import { invalidSlicingArgument, slicingArgumentRequired } from './cost-errors.js';

/**
 * The size `@listSize` gives one invocation of a field, or `undefined` when it gives none (then a
 * parent's sized size or the default list size applies). The one place list sizes come from, for the
 * price, the plan and the breakdown alike.
 *
 * As Apollo's router does: the largest value among the slicing arguments, counting values supplied
 * by a schema default (`args` are the coerced arguments), else `assumedSize`. With
 * `requireOneSlicingArgument` exactly one slicing argument must have a value.
 */
export function listSizeOf(
  coordinate: string,
  rule: ListSizeRule,
  args: Readonly<Record<string, unknown>>,
): number | undefined {
  let largest: number | undefined;
  let provided = 0;
  for (const name of rule.slicingArguments) {
    const value = args[name];
    // An explicit null has no size; GraphQL does not replace it by the default.
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw invalidSlicingArgument(coordinate, name, value);
    }
    provided += 1;
    largest = largest === undefined ? value : Math.max(largest, value);
  }
  if (rule.requireOneSlicingArgument && rule.slicingArguments.length > 0 && provided !== 1) {
    throw slicingArgumentRequired(coordinate, rule.slicingArguments, provided);
  }
  return largest ?? rule.assumedSize;
}
