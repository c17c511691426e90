import type { DocumentNode } from 'graphql';

/**
 * Results remembered per parsed document (held weakly: Apollo reuses one `DocumentNode` per query
 * string, and a document that is no longer cached by Apollo is dropped here too) and, within a
 * document, per operation name and variables, least recently used dropped first.
 */
export interface CostCache<T extends object> {
  /** The value for (`document`, `key`), computing and remembering it on a miss. Errors are not remembered. */
  getOrCompute(document: DocumentNode, key: string, compute: () => T): T;
}

/**
 * Creates a {@link CostCache} holding at most `entriesPerDocument` keys per document.
 * The value for a key must not depend on anything but the document and the key.
 */
export function createCostCache<T extends object>(entriesPerDocument: number): CostCache<T> {
  const documents = new WeakMap<DocumentNode, DocumentEntries<T>>();
  return {
    getOrCompute(document, key, compute) {
      let slot = documents.get(document);
      if (!slot) {
        slot = { entries: new Map(), newest: undefined };
        documents.set(document, slot);
      }
      const { entries } = slot;
      const hit = entries.get(key);
      if (hit) {
        // Re-insert so that Map order is recency order; one operation asks for the same key
        // several times in a row (price, plan, actual cost), and the newest needs no move.
        if (slot.newest !== key) {
          entries.delete(key);
          entries.set(key, hit);
          slot.newest = key;
        }
        return hit;
      }
      const value = compute();
      if (entriesPerDocument === 0) return value;
      entries.set(key, value);
      slot.newest = key;
      if (entries.size > entriesPerDocument) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      return value;
    },
  };
}

/** One document's remembered values, least recently used first, and the key used last. */
interface DocumentEntries<T> {
  entries: Map<string, T>;
  newest: string | undefined;
}

/** The cache key of one request: operation name and variables as sent. */
export function requestKey(operationName: string | null | undefined, variables: unknown): string {
  const json = typeof variables === 'object' && variables !== null ? variablesJson(variables) : '{}';
  return `${operationName ?? ''}\u0000${json}`;
}

// One request asks for its price, its plan and its actual cost: the same variables object each
// time, serialised once.
const serialised = new WeakMap<object, string>();

function variablesJson(variables: object): string {
  let json = serialised.get(variables);
  if (json === undefined) {
    json = JSON.stringify(variables);
    serialised.set(variables, json);
  }
  return json;
}
