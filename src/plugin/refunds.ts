import type { TierConfig } from '../config/index.js';
import type { LimiterStore, RefundRequest } from '../limiter/store.js';
import type { Logger } from '../logger.js';
import { bucketPolicy } from './feedback.js';

/** What one charged operation took and did not use. */
export interface UnusedCharge {
  client: string;
  tier: TierConfig;
  /** The charge's reservation, which names its window entries. */
  reservation: string;
  /** Estimated minus actual cost, in points; 0 when the operation cost its estimate or more. */
  points: number;
  /** Per window: the calls the charge granted, and how many of them were used. */
  windows: RefundRequest['windows'];
  /** Whether the charge holds a concurrency slot to release: always given back, even with nothing else. */
  slot: boolean;
}

/** Refunds sent after responses, and a way to wait for them before the store closes. */
export interface Refunds {
  /** Gives back the unused points and grants, off the response's path. */
  refundLater(unused: UnusedCharge): void;
  /** Resolves once every refund sent so far has landed (or failed). */
  drain(): Promise<void>;
}

/** Creates the refunds of one plugin. A failed refund is logged and dropped: the client paid a little too much. */
export function createRefunds(store: LimiterStore, logger: Logger): Refunds {
  const pending = new Set<Promise<void>>();
  return {
    refundLater({ client, tier, reservation, points, windows, slot }) {
      const refundMilli = points * 1000;
      if (refundMilli === 0 && !slot && windows.every((window) => window.used >= window.granted)) return;
      // One `then` for both ends (not `catch` then `finally`): a refund follows most operations.
      const refund: Promise<void> = store
        .refund({ client, bucket: bucketPolicy(tier), refundMilli, reservation, windows, slot })
        .then(
          () => {
            pending.delete(refund);
          },
          (error: Error) => {
            pending.delete(refund);
            logger.warn({ err: error.message }, 'refund failed');
          },
        );
      pending.add(refund);
    },
    async drain() {
      await Promise.allSettled([...pending]);
    },
  };
}
