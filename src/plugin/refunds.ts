import type { LimiterStore } from '../limiter/store.js';
import type { Logger } from '../logger.js';
import { bucketPolicy } from './feedback.js';
import type { OperationLedger } from './operation-ledger.js';

/** Refunds sent after responses, and a way to wait for them before the store closes. */
export interface Refunds {
  /** Gives back estimate − actual and the unused grants, off the response's path. */
  refundLater(client: string, ledger: OperationLedger, actualCost: number): void;
  /** Resolves once every refund sent so far has landed (or failed). */
  drain(): Promise<void>;
}

/** Creates the refunds of one plugin. A failed refund is logged and dropped: the client paid a little too much. */
export function createRefunds(store: LimiterStore, logger: Logger): Refunds {
  const pending = new Set<Promise<void>>();
  return {
    refundLater(client, ledger, actualCost) {
      if (!ledger.charge) return;
      const refundMilli = Math.max(0, ledger.estimatedCost - actualCost) * 1000;
      const windows = ledger.grants?.usage() ?? [];
      if (refundMilli === 0 && windows.every((window) => window.used >= window.granted)) return;
      const refund = store
        .refund({
          client,
          bucket: bucketPolicy(ledger.tier),
          refundMilli,
          reservation: ledger.charge.reservation,
          windows,
        })
        .catch((error: Error) => logger.warn({ err: error.message }, 'refund failed'))
        .finally(() => pending.delete(refund));
      pending.add(refund);
    },
    async drain() {
      await Promise.allSettled([...pending]);
    },
  };
}
