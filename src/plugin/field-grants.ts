import type { GraphQLError } from 'graphql';
import type { FieldAdmission } from '../context.js';
import type { RateLimitRule } from '../directives/rate-limit.js';
import { tollgateError } from '../errors.js';
import type { LimiterStore, WindowGrant } from '../limiter/store.js';

interface WindowLedger {
  rule: RateLimitRule;
  /** Invocations the plan expected, and asked the store for. */
  planned: number;
  /** Of those, what the store granted, and when it would grant one more. */
  granted: number;
  retryAfterMs: number;
  /** Invocations seen so far. */
  invoked: number;
}

interface OverflowCall {
  rule: RateLimitRule;
  settle: (admission: true | GraphQLError) => void;
}

/**
 * One operation's `@rateLimit` grants. The plugin's charge takes each window's planned calls in
 * the same round trip as the bucket; invocations then spend those grants without I/O. Only
 * invocations beyond the plan go back to the store, batched per tick into one call.
 */
export class FieldGrants implements FieldAdmission {
  private readonly ledgers = new Map<string, WindowLedger>();
  private overflow: OverflowCall[] = [];

  constructor(
    private readonly client: string,
    private readonly store: LimiterStore,
  ) {}

  /** Records what the store granted for a window the plan asked for. */
  record(rule: RateLimitRule, planned: number, grant: WindowGrant): void {
    this.ledgers.set(rule.coordinate, { rule, planned, ...grant, invoked: 0 });
  }

  admit(rule: RateLimitRule): true | GraphQLError | Promise<true | GraphQLError> {
    const ledger = this.ledgers.get(rule.coordinate);
    if (ledger && ledger.invoked < ledger.planned) {
      ledger.invoked += 1;
      return ledger.invoked <= ledger.granted ? true : rateLimitedField(rule, ledger.retryAfterMs);
    }
    return new Promise((settle) => {
      if (this.overflow.length === 0) process.nextTick(() => this.flushOverflow());
      this.overflow.push({ rule, settle });
    });
  }

  /** Per window: what was granted and how much of it was used, for giving the rest back. */
  usage(): Array<{ name: string; granted: number; used: number }> {
    return [...this.ledgers.values()].map((ledger) => ({
      name: ledger.rule.coordinate,
      granted: ledger.granted,
      used: Math.min(ledger.invoked, ledger.granted),
    }));
  }

  private async flushOverflow(): Promise<void> {
    const calls = this.overflow;
    this.overflow = [];
    const byWindow = new Map<string, OverflowCall[]>();
    for (const call of calls)
      byWindow.set(call.rule.coordinate, [...(byWindow.get(call.rule.coordinate) ?? []), call]);
    const groups = [...byWindow.values()];
    try {
      const result = await this.store.charge({
        client: this.client,
        bucket: null,
        costMilli: 0,
        windows: groups.map((group) => {
          const { rule } = group[0] as OverflowCall;
          return { name: rule.coordinate, max: rule.max, windowMs: rule.windowMs, count: group.length };
        }),
      });
      groups.forEach((group, i) => {
        const grant = result.windows[i] ?? { granted: 0, retryAfterMs: 0 };
        group.forEach((call, j) => {
          call.settle(j < grant.granted ? true : rateLimitedField(call.rule, grant.retryAfterMs));
        });
      });
    } catch {
      for (const call of calls) call.settle(storeFailed(call.rule));
    }
  }
}

/** The error a refused invocation resolves with: the field is null, the operation goes on. */
export function rateLimitedField(rule: RateLimitRule, retryAfterMs: number): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return tollgateError(
    'RATE_LIMITED',
    `${rule.coordinate} is limited to ${rule.max} calls per ${rule.window}; try again in ${retryAfter} s.`,
    {
      setsHttpStatus: false,
      extensions: { coordinate: rule.coordinate, limit: rule.max, window: rule.window, retryAfter },
    },
  );
}

function storeFailed(rule: RateLimitRule): GraphQLError {
  return tollgateError(
    'RATE_LIMITER_UNAVAILABLE',
    `${rule.coordinate} could not be admitted: the limiter store failed.`,
    {
      setsHttpStatus: false,
      extensions: { coordinate: rule.coordinate },
    },
  );
}
