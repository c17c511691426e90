import { withDeadline } from './deadline.js';
import type { LimiterStore, SettleRequest } from './store.js';

/** Settle calls in flight at once, by default: the debt of many clients goes out in a few pipelined writes. */
const BATCH = 200;

/** Options of {@link chargeBack}. */
export interface ChargeBackOptions {
  primary: Pick<LimiterStore, 'settle'>;
  settles: readonly SettleRequest[];
  timeoutMs: number;
  /** As `withDeadline`'s: when the node last answered. */
  lastHeardAt: () => number;
  /** Spending that was certainly not charged (the call failed): the caller keeps it for later. */
  onNotCharged: (settles: SettleRequest[]) => void;
  /** A settle that missed its deadline was charged after all. */
  onChargedLate: () => void;
  /** Settle calls in flight at once. Default 200. */
  batch?: number;
}

/**
 * Charges to the primary what the fallback admitted, one settle call per client, a batch at a
 * time, and resolves with how many clients were charged. Stops at the first batch with a failure
 * (the node is failing again) and hands back what was not charged. A settle that missed its
 * deadline is not handed back unless it then fails: it may have been charged, and charging twice
 * is worse than waiting.
 */
export async function chargeBack(options: ChargeBackOptions): Promise<number> {
  const { primary, settles, timeoutMs, lastHeardAt, onNotCharged, onChargedLate } = options;
  const size = options.batch ?? BATCH;
  let charged = 0;
  for (let first = 0; first < settles.length; first += size) {
    const batch = settles.slice(first, first + size);
    const outcomes = await Promise.all(
      batch.map((settle) => {
        const pending = primary.settle(settle);
        return withDeadline(pending, timeoutMs, { lastHeardAt }).then((outcome) => {
          if (outcome.kind === 'timeout') pending.then(onChargedLate, () => onNotCharged([settle]));
          return outcome.kind;
        });
      }),
    );
    charged += outcomes.filter((kind) => kind === 'value').length;
    const failed = batch.filter((_, i) => outcomes[i] === 'error');
    if (failed.length > 0 || outcomes.includes('timeout')) {
      onNotCharged([...failed, ...settles.slice(first + size)]);
      break;
    }
  }
  return charged;
}
