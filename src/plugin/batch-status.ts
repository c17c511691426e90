/**
 * One HTTP answer for a batched request (a JSON array of operations). Apollo runs each operation
 * of a batch through the plugin on its own but answers them with one status and one set of
 * headers, which they share. A refused operation keeps the batch at 200 (the others were served
 * and paid for: a client retrying the whole batch would pay for them again), unless every
 * operation of the batch was throttled: then nothing ran and nothing was taken, and the batch is
 * answered 429 with a `Retry-After` that says when the bucket holds the whole batch.
 */
import type { HTTPGraphQLHead } from '@apollo/server';
import type { TierConfig, TierName } from '../config/index.js';
import { rateLimitHeaders, throttleStatus, wholeSeconds } from './feedback.js';

/** An operation of a batch that the bucket refused: nothing of it ran, nothing was taken. */
export interface ThrottledInBatch {
  readonly price: { readonly estimatedCost: number; readonly tierName: TierName; readonly tier: TierConfig };
  readonly bucket: { readonly remainingMilli: number };
  readonly retryAfterSec: number;
  readonly retryAfterMs: number;
}

/** What the plugin has seen of one batch so far. */
interface BatchTally {
  started: number;
  finished: number;
  throttled: ThrottledInBatch[];
}

// Keyed by the head the batch's operations share: it lives exactly as long as the request.
const tallies = new WeakMap<HTTPGraphQLHead, BatchTally>();

/** Counts an operation of a batch in, when it starts (`requestDidStart`). */
export function joinBatch(head: HTTPGraphQLHead): void {
  const tally = tallies.get(head);
  if (tally) tally.started++;
  else tallies.set(head, { started: 1, finished: 0, throttled: [] });
}

/**
 * Counts an operation of a batch out, once its own answer is settled (`willSendResponse`), with
 * its refusal if the bucket refused it. The last one out decides the batch's status: Apollo
 * starts every operation of a batch before any of them can finish, so the last to finish knows
 * them all.
 */
export function leaveBatch(head: HTTPGraphQLHead, throttled: ThrottledInBatch | undefined): void {
  const tally = tallies.get(head);
  if (!tally) return;
  tally.finished++;
  if (throttled) tally.throttled.push(throttled);
  if (tally.finished < tally.started || tally.throttled.length < tally.started) return;
  const last = tally.throttled.at(-1) as ThrottledInBatch;
  const retryAfterSec = batchRetryAfterSec(tally.throttled);
  const { tierName, tier } = last.price;
  const status = throttleStatus(tier, last.bucket.remainingMilli, 0);
  head.status = 429;
  head.headers.set('retry-after', String(retryAfterSec));
  for (const [name, value] of Object.entries(rateLimitHeaders(tierName, tier, status, retryAfterSec))) {
    head.headers.set(name, value);
  }
}

/**
 * Seconds until the bucket holds the whole batch (the sum of its prices; the bucket's capacity if
 * the sum is more, since the batch can then never run whole), and never sooner than any of its
 * operations would fit on its own. Reckoned from each operation's own wait, which counts a bucket
 * in debt (its points left read 0 then): once an operation of price p fits, the batch needs the
 * rest of the sum on top of it.
 */
function batchRetryAfterSec(throttled: readonly ThrottledInBatch[]): number {
  const { tier } = (throttled.at(-1) as ThrottledInBatch).price;
  const total = throttled.reduce((sum, operation) => sum + operation.price.estimatedCost, 0);
  const needed = Math.min(total, tier.capacity);
  const wholeBatchMs = Math.max(
    ...throttled.map(
      (operation) =>
        operation.retryAfterMs +
        (Math.max(0, needed - operation.price.estimatedCost) / tier.refillPerSec) * 1000,
    ),
  );
  return Math.max(wholeSeconds(wholeBatchMs), ...throttled.map((operation) => operation.retryAfterSec));
}
