import {
  type GraphQLNamedType,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  parse,
  type SelectionSetNode,
} from 'graphql';

/**
 * The fields `@listSize(sizedFields:)` passes its size to, one level of the returned type at a time.
 * `["edges"]` is one level; `["results { page }"]` sizes `page` below `results` (Apollo Router 2.12).
 */
export interface SizedFieldTree {
  /** List fields at this level that take the size. */
  readonly leaves: ReadonlySet<string>;
  /** Fields at this level whose selections lead to sized fields further down (`results`). */
  readonly containers: ReadonlyMap<string, SizedFieldTree>;
}

/** Reports why a `sizedFields` entry cannot be priced; never returns. */
type Fail = (reason: string) => never;

/**
 * Parses `sizedFields` entries (field sets) and checks them against the type the field returns: every
 * name a field of its level, every container an object or interface, every leaf a list, and at most
 * one leaf per selection set, as Apollo's router requires ("at most one list field per path").
 */
export function readSizedFields(
  entries: readonly string[],
  returned: GraphQLNamedType,
  fail: Fail,
): SizedFieldTree {
  const selectionSets = entries.map((entry) => {
    const selectionSet = parseEntry(entry, fail);
    checkLevel(entry, selectionSet, returned, fail);
    return selectionSet;
  });
  return buildTree(selectionSets);
}

function parseEntry(entry: string, fail: Fail): SelectionSetNode {
  let selectionSet: SelectionSetNode | undefined;
  try {
    const { definitions } = parse(`{ ${entry} }`, { noLocation: true });
    const [only] = definitions;
    // More than one definition: the entry closed the braces and opened something else.
    if (definitions.length === 1 && only?.kind === Kind.OPERATION_DEFINITION)
      selectionSet = only.selectionSet;
  } catch {
    // Reported below with the entry, not graphql-js's parser position.
  }
  if (!selectionSet) fail(`sized field "${entry}" is not a field set such as "edges" or "results { page }"`);
  return selectionSet;
}

function checkLevel(entry: string, selectionSet: SelectionSetNode, type: GraphQLNamedType, fail: Fail): void {
  const leaves: string[] = [];
  for (const selection of selectionSet.selections) {
    if (
      selection.kind !== Kind.FIELD ||
      selection.alias ||
      selection.arguments?.length ||
      selection.directives?.length
    ) {
      fail(
        `sized field "${entry}" may hold field names only: no aliases, arguments, directives or fragments`,
      );
    }
    if (!selection.selectionSet) leaves.push(selection.name.value);
  }
  if (leaves.length > 1) {
    fail(`sized field "${entry}" names ${leaves.join(', ')} at one level: at most one list field per path`);
  }
  const fields = isObjectType(type) || isInterfaceType(type) ? type.getFields() : {};
  for (const selection of selectionSet.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const name = selection.name.value;
    const field = fields[name];
    if (!selection.selectionSet) {
      if (!field || !isListType(getNullableType(field.type))) {
        const where = entry === name ? `sized field "${name}"` : `sized field "${entry}": "${name}"`;
        fail(`${where} is not a list field of ${type.name}`);
      }
      continue;
    }
    if (!field) fail(`sized field "${entry}": "${name}" is not a field of ${type.name}`);
    const below = getNamedType(field.type);
    if (!isObjectType(below) && !isInterfaceType(below)) {
      fail(`sized field "${entry}": ${type.name}.${name} returns ${below.name}, which has no fields to size`);
    }
    checkLevel(entry, selection.selectionSet, below, fail);
  }
}

/** Merges the entries level by level (`["results { page }", "results { more }"]` share `results`). */
function buildTree(selectionSets: readonly SelectionSetNode[]): SizedFieldTree {
  const leaves = new Set<string>();
  const below = new Map<string, SelectionSetNode[]>();
  for (const selectionSet of selectionSets) {
    for (const selection of selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) continue;
      const name = selection.name.value;
      if (!selection.selectionSet) leaves.add(name);
      else below.set(name, [...(below.get(name) ?? []), selection.selectionSet]);
    }
  }
  // As Apollo's router does: a name that leads further down is a container at this level, not a sized list.
  for (const name of below.keys()) leaves.delete(name);
  const containers = new Map<string, SizedFieldTree>();
  for (const [name, sets] of below) containers.set(name, buildTree(sets));
  return { leaves, containers };
}
