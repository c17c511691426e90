import type { DocumentNode, FieldNode, FragmentDefinitionNode, SelectionSetNode } from 'graphql';

/**
 * The most selections {@link countRepeatedSelections} visits, fragments expanded, before it stops:
 * the pricing walk's own bound (a document past it could not be priced anyway), so that this walk
 * costs a few milliseconds at most however fragments multiply.
 */
export const MAX_EXPANDED_SELECTIONS = 10_000;

/** What {@link countRepeatedSelections} found, as far as it looked. */
export interface RepeatedSelections {
  /** Selections that repeat one at the same place (see {@link countRepeatedSelections}). */
  repeated: number;
  /** Selections visited, fragments expanded (each named fragment once per place). */
  expanded: number;
  /** The response name repeated most at one place, and how often it is selected there. */
  mostRepeated: { name: string; times: number } | null;
  /** Which bound was passed, if any; the walk stops there. */
  exceeded: 'repeated' | 'expanded' | null;
}

/** The fragments being expanded on the way to a selection set, innermost first (cycle guard). */
interface Chain {
  name: string;
  outer: Chain | null;
}

/** A selection set at a place, with the fragments expanded to reach it. */
interface Source {
  selectionSet: SelectionSetNode;
  chain: Chain | null;
}

/**
 * Counts the selections of a document that repeat one already made at the same place: a field
 * selected again under the same response name, or a named fragment spread where another one is
 * already spread. A place is a path of response names: what graphql-js merges, inline fragments
 * and fragment spreads expanded (each named fragment once per place), and the sub-selections of
 * same-named fields together.
 *
 * graphql-js's validation (OverlappingFieldsCanBeMergedRule) compares every pair of same-named
 * fields at a place, and every pair of fragments spread there, so its work grows with the square
 * of this count: 4,980 `title`s in one selection set cost seconds of CPU and 1 point. With at
 * most `n` repeats it makes at most about n²/2 comparisons.
 *
 * Operations are walked first, then fragments no operation spreads (graphql-js validates those
 * too). Stops as soon as `maxRepeated` or {@link MAX_EXPANDED_SELECTIONS} is passed; fragment
 * cycles (reported by graphql-js's NoFragmentCyclesRule) are not followed.
 */
export function countRepeatedSelections(document: DocumentNode, maxRepeated: number): RepeatedSelections {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  }
  const result: RepeatedSelections = { repeated: 0, expanded: 0, mostRepeated: null, exceeded: null };
  const reached = new Set<string>();
  const walk = (root: Source) => walkPlaces(root, { fragments, reached, maxRepeated, result });

  for (const definition of document.definitions) {
    if (
      definition.kind === 'OperationDefinition' &&
      !walk({ selectionSet: definition.selectionSet, chain: null })
    ) {
      return result;
    }
  }
  for (const [name, fragment] of fragments) {
    if (reached.has(name)) continue;
    reached.add(name);
    if (!walk({ selectionSet: fragment.selectionSet, chain: { name, outer: null } })) return result;
  }
  return result;
}

interface Walk {
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** Fragments met so far, anywhere. */
  reached: Set<string>;
  maxRepeated: number;
  result: RepeatedSelections;
}

/** Walks a root's place and every place below it; false once a bound is passed. */
function walkPlaces(root: Source, walk: Walk): boolean {
  const places: Source[][] = [[root]];
  for (let place = places.pop(); place; place = places.pop()) {
    const fields = collectPlace(place, walk);
    if (!fields) return false;
    for (const group of fields.values()) {
      const below = group.flatMap(({ field, chain }) =>
        field.selectionSet ? [{ selectionSet: field.selectionSet, chain }] : [],
      );
      if (below.length > 0) places.push(below);
    }
  }
  return true;
}

/**
 * The fields selected at one place by response name, counting repeats and expanded selections
 * into `walk.result`; null once a bound is passed.
 */
function collectPlace(
  place: readonly Source[],
  walk: Walk,
): Map<string, Array<{ field: FieldNode; chain: Chain | null }>> | null {
  const { result } = walk;
  const fields = new Map<string, Array<{ field: FieldNode; chain: Chain | null }>>();
  const spread = new Set<string>();
  const pending = [...place];
  for (let source = pending.pop(); source; source = pending.pop()) {
    for (const selection of source.selectionSet.selections) {
      if (selection.kind === 'InlineFragment') {
        pending.push({ selectionSet: selection.selectionSet, chain: source.chain });
        continue;
      }
      let repeats: boolean;
      if (selection.kind === 'Field') {
        const name = (selection.alias ?? selection.name).value;
        const group = fields.get(name);
        repeats = group !== undefined;
        if (group) {
          group.push({ field: selection, chain: source.chain });
          const { mostRepeated } = result;
          if (!mostRepeated || group.length > mostRepeated.times) {
            result.mostRepeated = { name, times: group.length };
          }
        } else {
          fields.set(name, [{ field: selection, chain: source.chain }]);
        }
      } else {
        const name = selection.name.value;
        const fragment = walk.fragments.get(name);
        if (spread.has(name) || !fragment || inChain(source.chain, name)) continue;
        repeats = spread.size > 0;
        spread.add(name);
        walk.reached.add(name);
        pending.push({ selectionSet: fragment.selectionSet, chain: { name, outer: source.chain } });
      }
      result.expanded += 1;
      if (repeats) result.repeated += 1;
      if (result.repeated > walk.maxRepeated) return stop(result, 'repeated');
      if (result.expanded > MAX_EXPANDED_SELECTIONS) return stop(result, 'expanded');
    }
  }
  return fields;
}

function inChain(chain: Chain | null, name: string): boolean {
  for (let link = chain; link; link = link.outer) if (link.name === name) return true;
  return false;
}

function stop(result: RepeatedSelections, bound: 'repeated' | 'expanded'): null {
  result.exceeded = bound;
  return null;
}

/** Why a document is refused after {@link countRepeatedSelections}: its code, words and limit. */
export interface SelectionsRefusal {
  code: 'TOO_MANY_REPEATED_SELECTIONS' | 'QUERY_TOO_COMPLEX';
  message: string;
  limit: number;
}

/** The refusal a count calls for, or null when the document is within both bounds. */
export function refuseRepeatedSelections(
  document: DocumentNode,
  maxRepeated: number,
): SelectionsRefusal | null {
  const counted = countRepeatedSelections(document, maxRepeated);
  if (counted.exceeded === 'expanded') {
    return {
      code: 'QUERY_TOO_COMPLEX',
      message: `The document expands past ${MAX_EXPANDED_SELECTIONS} selections once fragments are expanded.`,
      limit: MAX_EXPANDED_SELECTIONS,
    };
  }
  if (counted.exceeded === 'repeated') {
    const worst = counted.mostRepeated
      ? ` ("${counted.mostRepeated.name}" is selected ${counted.mostRepeated.times} times at one place)`
      : '';
    return {
      code: 'TOO_MANY_REPEATED_SELECTIONS',
      message: `The document repeats selections at the same place more than ${maxRepeated} times${worst}; at most ${maxRepeated} repeats are allowed. Select each field once per place.`,
      limit: maxRepeated,
    };
  }
  return null;
}
