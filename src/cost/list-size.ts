import type { ListSizeRule, SlicingArgument } from './cost-directives.js';
import { invalidSlicingArgument, slicingArgumentRequired } from './cost-errors.js';
import type { SizedFieldTree } from './sized-fields.js';

/**
 * Where a list's size came from, for people reading a price (the `cost` command's breakdown):
 * the value or the length of the list passed to `argument` of `field`, or `field`'s `assumedSize`
 * (`field` is the list itself, or the field whose `sizedFields` reach it), or neither: the configured
 * default list size.
 */
export type ListSizeSource =
  | { readonly from: 'slicingArgument'; readonly field: string; readonly argument: string }
  | { readonly from: 'assumedSize'; readonly field: string }
  | { readonly from: 'defaultListSize' };

/** The size of one list and where it came from. */
export interface ListSize {
  /** Items per invocation. */
  readonly count: number;
  readonly source: ListSizeSource;
}

/**
 * What an enclosing field passes down through `sizedFields`: its own `@listSize` first, then the
 * sizes carried from further up along nested paths (`results { page }`).
 */
export interface SizedScopes {
  readonly own: SizedScope | undefined;
  readonly carried: readonly SizedScope[];
}

interface SizedScope {
  /** The size the scope passes on; `undefined` when its field had none (then the leaves fall back too). */
  readonly size: ListSize | undefined;
  /** Where the size goes from this level down. */
  readonly fields: SizedFieldTree;
}

/**
 * The size `@listSize` gives one invocation of a field, or `undefined` when it gives none. The one
 * place list sizes come from, for the price, the plan and the breakdown alike.
 *
 * As Apollo Router 2.12 does: the largest value among the slicing arguments, else `assumedSize`. A
 * slicing argument may be an `Int` (its value), a list (its length; `[]` is 0) or a dotted path through
 * input objects (`input.pagination.first`); `null` or a missing step gives no value. `args` are the
 * coerced arguments, so schema defaults count. With `requireOneSlicingArgument` exactly one slicing
 * argument must have a value.
 */
export function ownListSize(
  coordinate: string,
  rule: ListSizeRule,
  args: Readonly<Record<string, unknown>>,
): ListSize | undefined {
  let largest: ListSize | undefined;
  let provided = 0;
  for (const argument of rule.slicingArguments) {
    const count = slicingValue(coordinate, argument, args);
    if (count === undefined) continue;
    provided += 1;
    if (largest === undefined || count > largest.count) {
      largest = { count, source: { from: 'slicingArgument', field: coordinate, argument: argument.name } };
    }
  }
  if (rule.requireOneSlicingArgument && rule.slicingArguments.length > 0 && provided !== 1) {
    throw slicingArgumentRequired(
      coordinate,
      rule.slicingArguments.map((argument) => argument.name),
      provided,
    );
  }
  if (largest !== undefined || rule.assumedSize === undefined) return largest;
  return { count: rule.assumedSize, source: { from: 'assumedSize', field: coordinate } };
}

function slicingValue(
  coordinate: string,
  argument: SlicingArgument,
  args: Readonly<Record<string, unknown>>,
): number | undefined {
  let value: unknown = args;
  for (const step of argument.path) {
    // Own properties only: an input field named like an Object.prototype member must not find it.
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  // An explicit null has no size; GraphQL does not replace it by the default.
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.length;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidSlicingArgument(coordinate, argument.name, value);
  }
  return value;
}

/**
 * The size of one invocation of list field `name` below an enclosing field's `scopes`, as Apollo's
 * router picks it: a size passed down to it as a sized field (the enclosing field's own `@listSize`
 * before those carried from further up), else the largest of its own `@listSize` size and the sizes
 * carried through it along nested `sizedFields` paths, else `fallback` (the default list size).
 */
export function listSizeBelow(
  scopes: SizedScopes | undefined,
  name: string,
  own: ListSize | undefined,
  fallback: ListSize,
): ListSize {
  if (!scopes) return own ?? fallback;
  const upstream =
    leafSize(scopes.own, name) ?? largest(scopes.carried.map((scope) => leafSize(scope, name)));
  if (upstream) return upstream;
  const carried = carriedInto(scopes, name).map((scope) => scope.size);
  return largest([own, ...carried]) ?? fallback;
}

/** The size of a list nothing else sizes. */
export function defaultListSize(count: number): ListSize {
  return { count, source: { from: 'defaultListSize' } };
}

/**
 * What field `name` passes down to its own selections: its `@listSize` `sizedFields` with the size
 * `own` it computed, and the nested `sizedFields` paths of enclosing fields that go through it.
 */
export function scopesBelow(
  scopes: SizedScopes | undefined,
  name: string,
  rule: ListSizeRule | undefined,
  own: ListSize | undefined,
): SizedScopes | undefined {
  const carried = carriedInto(scopes, name);
  const ownScope = rule?.sizedFields ? { size: own, fields: rule.sizedFields } : undefined;
  return ownScope || carried.length > 0 ? { own: ownScope, carried } : undefined;
}

function leafSize(scope: SizedScope | undefined, name: string): ListSize | undefined {
  return scope?.fields.leaves.has(name) ? scope.size : undefined;
}

function carriedInto(scopes: SizedScopes | undefined, name: string): SizedScope[] {
  const out: SizedScope[] = [];
  for (const scope of scopes ? [scopes.own, ...scopes.carried] : []) {
    const fields = scope?.fields.containers.get(name);
    if (scope && fields) out.push({ size: scope.size, fields });
  }
  return out;
}

/** The largest size; the first of equals, so a field's own size wins a tie. */
function largest(sizes: readonly (ListSize | undefined)[]): ListSize | undefined {
  let best: ListSize | undefined;
  for (const size of sizes) {
    if (size && (best === undefined || size.count > best.count)) best = size;
  }
  return best;
}
