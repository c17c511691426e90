import {
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Whether an operation selects nothing but introspection meta-fields (`__schema`, `__type`,
 * `__typename`) at its root, through fragments too: what Apollo Sandbox and other IDEs poll to
 * keep their schema view fresh. Such an operation reads the schema, not the data, so Tollgate does
 * not charge it; its size is still bounded by the document limits that run before pricing.
 *
 * Conservative: a data field anywhere at the root, even under `@skip`/`@include`, makes the
 * operation an ordinary, priced one. Mutations and subscriptions never qualify.
 */
export function isIntrospectionOnly(
  document: DocumentNode,
  operation: OperationDefinitionNode | undefined,
): boolean {
  if (operation?.operation !== 'query') return false;
  // Apollo hands every request for the same query text the same parsed document: decide once.
  let known = answers.get(operation);
  if (known === undefined) {
    known = walk(document, operation);
    answers.set(operation, known);
  }
  return known;
}

const answers = new WeakMap<OperationDefinitionNode, boolean>();

function walk(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return selectsOnlyMetaFields(operation.selectionSet, fragments, new Set());
}

function selectsOnlyMetaFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  visiting: Set<string>,
): boolean {
  return selectionSet.selections.every((selection) => {
    switch (selection.kind) {
      case Kind.FIELD:
        return selection.name.value.startsWith('__');
      case Kind.INLINE_FRAGMENT:
        return selectsOnlyMetaFields(selection.selectionSet, fragments, visiting);
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // Validation rejects unknown and cyclic spreads before this runs; stay safe regardless.
        if (!fragment || visiting.has(name)) return false;
        visiting.add(name);
        const only = selectsOnlyMetaFields(fragment.selectionSet, fragments, visiting);
        visiting.delete(name);
        return only;
      }
      default:
        return false;
    }
  });
}
