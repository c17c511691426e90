/**
 * What the client remembers of prices: Tollgate prices an operation by its document and its
 * variables, and tells the price in every answer (`extensions.cost.requestedQueryCost`, or the
 * refusal's `cost`). No Node imports: the client runs in browsers too.
 */

/** One operation as the client prices it: its document (with its name) and its variables. */
export interface OperationRef {
  /** The operation name and the document's text (or its persisted-query hash). */
  document: string;
  /** The variables as JSON. */
  variables: string;
}

/** How many exact prices to keep: enough for a page's worth of variables, bounded for a long-lived app. */
const MAX_EXACT_PRICES = 2000;

/**
 * Prices seen, for the next operation's reservation:
 * - the **same operation** (document and variables) costs what it cost last time: the estimate
 *   depends on nothing else;
 * - the same document with **new variables** is reserved at the highest price that document has
 *   been seen to cost: conservative when the variables that make it dearest have been seen (pages
 *   of at most the largest size asked for so far). A dearer one may be refused once and is retried
 *   after `Retry-After`; a `costHint` avoids even that.
 * - a document never answered has no price: the caller sends it alone and learns from its answer.
 */
export class PriceBook {
  private readonly exact = new Map<string, number>();
  private readonly highestByDocument = new Map<string, number>();

  /** The points to reserve for `operation`, `undefined` when its document was never priced. */
  priceOf(operation: OperationRef): number | undefined {
    return this.exact.get(exactKey(operation)) ?? this.highestByDocument.get(operation.document);
  }

  /** Records what the server priced `operation` at. */
  learn(operation: OperationRef, pricePoints: number): void {
    const key = exactKey(operation);
    // Re-inserted at the end, so that the oldest price is the first to go.
    this.exact.delete(key);
    this.exact.set(key, pricePoints);
    if (this.exact.size > MAX_EXACT_PRICES) this.exact.delete(this.exact.keys().next().value as string);
    const highest = this.highestByDocument.get(operation.document) ?? 0;
    this.highestByDocument.set(operation.document, Math.max(highest, pricePoints));
  }
}

function exactKey(operation: OperationRef): string {
  return `${operation.document}\n${operation.variables}`;
}
