import {
  type ASTNode,
  type ASTVisitor,
  BREAK,
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  visit,
} from 'graphql';
import { inputLimitError } from '../errors.js';
import type { InputLimits } from './limits.js';
import { refuseRepeatedSelections } from './repeated-selections.js';

/** How deep and how aliased a selection set is, fragments expanded. */
interface Shape {
  depth: number;
  aliases: number;
}

/**
 * The validation rules of the document limits: repeated selections, depth, aliases and directives
 * per field. They depend on the document alone (not on variables), so Apollo's cache of validated
 * documents may keep their verdict. Introspection documents are held to them like any other.
 */
export function documentLimitRules(
  limits: Pick<InputLimits, 'maxDepth' | 'maxAliases' | 'maxDirectivesPerField' | 'maxRepeatedSelections'>,
): ValidationRule[] {
  return [
    repeatedSelectionsRule(limits.maxRepeatedSelections),
    shapeRule(limits),
    directivesRule(limits.maxDirectivesPerField),
  ];
}

// What the validation goes on to visit instead of a refused document: nothing.
const NOTHING: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };

/**
 * Refuses a document that repeats too many selections before graphql-js's own rules spend their
 * quadratic work on it. Apollo runs every rule in one parallel visit, so reporting an error
 * alone would not spare OverlappingFieldsCanBeMergedRule's work. This rule acts on entering the
 * Document node, before any rule sees a selection set, and returns an empty document in its
 * place: graphql-js's visitor then walks the replacement instead, and the validation ends with
 * this error (answered 400 by Apollo, its code restored by `formatLimitError`).
 */
function repeatedSelectionsRule(maxRepeated: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      const refusal = refuseRepeatedSelections(document, maxRepeated);
      if (!refusal) return undefined;
      context.reportError(inputLimitError(refusal.code, refusal.message, refusal.limit));
      return NOTHING;
    },
  });
}

function shapeRule(limits: Pick<InputLimits, 'maxDepth' | 'maxAliases'>): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const measure = createShapeMeasure(context);
    return {
      OperationDefinition(operation: OperationDefinitionNode) {
        const shape = measure(operation.selectionSet);
        const name = operation.name ? `Operation "${operation.name.value}"` : 'The operation';
        if (shape.depth > limits.maxDepth) {
          context.reportError(
            inputLimitError(
              'QUERY_TOO_DEEP',
              `${name} nests fields ${shape.depth} deep; at most ${limits.maxDepth} are allowed.`,
              limits.maxDepth,
              [operation],
            ),
          );
        }
        if (shape.aliases > limits.maxAliases) {
          context.reportError(
            inputLimitError(
              'TOO_MANY_ALIASES',
              `${name} has ${shape.aliases} aliased fields; at most ${limits.maxAliases} are allowed.`,
              limits.maxAliases,
              [operation],
            ),
          );
        }
        return false;
      },
    };
  };
}

/**
 * Measures selection sets with each fragment measured once (memoized), so a document of
 * fragments spreading fragments costs linear time however large its expansion. A fragment
 * cycle (reported by graphql's own NoFragmentCyclesRule) counts as empty here.
 */
function createShapeMeasure(context: ValidationContext): (selectionSet: SelectionSetNode) => Shape {
  const fragments = new Map<string, Shape>();
  const visiting = new Set<string>();

  const fragmentShape = (fragment: FragmentDefinitionNode): Shape => {
    const name = fragment.name.value;
    const known = fragments.get(name);
    if (known) return known;
    if (visiting.has(name)) return { depth: 0, aliases: 0 };
    visiting.add(name);
    const shape = measure(fragment.selectionSet);
    visiting.delete(name);
    fragments.set(name, shape);
    return shape;
  };

  function measure(selectionSet: SelectionSetNode): Shape {
    let depth = 0;
    let aliases = 0;
    for (const selection of selectionSet.selections) {
      let inner: Shape;
      if (selection.kind === 'Field') {
        const below = selection.selectionSet ? measure(selection.selectionSet) : { depth: 0, aliases: 0 };
        inner = { depth: below.depth + 1, aliases: below.aliases + (selection.alias ? 1 : 0) };
      } else if (selection.kind === 'InlineFragment') {
        inner = measure(selection.selectionSet);
      } else {
        const fragment = context.getFragment(selection.name.value);
        inner = fragment ? fragmentShape(fragment) : { depth: 0, aliases: 0 };
      }
      depth = Math.max(depth, inner.depth);
      aliases += inner.aliases;
    }
    return { depth, aliases };
  }
  return measure;
}

/**
 * One error per document at most (a thousand directives should not make a thousand errors),
 * reported on entering the document so that it comes before graphql's own complaints about the
 * same directives (unknown, repeated).
 */
function directivesRule(maxDirectives: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      let offender: ASTNode | undefined;
      visit(document, {
        enter(node) {
          if (offender) return BREAK;
          if ('directives' in node && node.directives && node.directives.length > maxDirectives) {
            offender = node;
            return BREAK;
          }
          return undefined;
        },
      });
      if (offender && 'directives' in offender) {
        const count = offender.directives?.length ?? 0;
        context.reportError(
          inputLimitError(
            'TOO_MANY_DIRECTIVES',
            `A ${describe(offender.kind)} carries ${count} directives; at most ${maxDirectives} are allowed.`,
            maxDirectives,
            [offender],
          ),
        );
      }
    },
  });
}

function describe(kind: string): string {
  switch (kind) {
    case 'Field':
      return 'field';
    case 'OperationDefinition':
      return 'operation';
    case 'VariableDefinition':
      return 'variable definition';
    case 'FragmentSpread':
    case 'InlineFragment':
    case 'FragmentDefinition':
      return 'fragment';
    default:
      return 'definition';
  }
}
