import type { GraphQLError } from 'graphql';
import type { FieldAdmission } from '../context.js';
import type { RateLimitRule } from '../directives/rate-limit.js';
import { fieldRateLimitedError, tollgateError } from '../errors.js';
import type { LimiterStore, WindowGrant, WindowTake } from '../limiter/store.js';
import { wholeSeconds } from './feedback.js';

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

  /** @param onRefused told of every refused invocation (metrics, logs). */
  constructor(
    private readonly client: string,
    private readonly store: LimiterStore,
    private readonly onRefused: (rule: RateLimitRule) => void = () => {},
  ) {}

  /** Records what the store granted for a window the plan asked for. */
  record(rule: RateLimitRule, planned: number, grant: WindowGrant): void {
    this.ledgers.set(rule.coordinate, { rule, planned, ...grant, invoked: 0 });
  }

  admit(rule: RateLimitRule): true | GraphQLError | Promise<true | GraphQLError> {
    const ledger = this.ledgers.get(rule.coordinate);
    if (ledger && ledger.invoked < ledger.planned) {
      ledger.invoked += 1;
      return ledger.invoked <= ledger.granted ? true : this.refuse(rule, ledger.retryAfterMs);
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

  private refuse(rule: RateLimitRule, retryAfterMs: number): GraphQLError {
    this.onRefused(rule);
    return fieldRateLimitedError(rule, Math.max(1, wholeSeconds(retryAfterMs)));
  }

  private async flushOverflow(): Promise<void> {
    const calls = this.overflow;
    this.overflow = [];
    const byWindow = new Map<string, OverflowCall[]>();
    for (const call of calls) {
      const group = byWindow.get(call.rule.coordinate);
      if (group) group.push(call);
      else byWindow.set(call.rule.coordinate, [call]);
    }
    const groups = [...byWindow.values()];
    try {
      const result = await this.store.charge({
        client: this.client,
        bucket: null,
        costMilli: 0,
        windows: groups.map((group) => windowTake((group[0] as OverflowCall).rule, group.length)),
      });
      groups.forEach((group, i) => {
        const grant = result.windows[i] ?? { granted: 0, retryAfterMs: 0 };
        group.forEach((call, j) => {
          call.settle(j < grant.granted ? true : this.refuse(call.rule, grant.retryAfterMs));
        });
      });
    } catch {
      for (const call of calls) call.settle(storeFailed(call.rule));
    }
  }
}

/** The window a rule takes `count` calls from. */
export function windowTake(rule: RateLimitRule, count: number): WindowTake {
  return { name: rule.coordinate, max: rule.max, windowMs: rule.windowMs, count };
}

/**
 * Sums a plan per window: aliases, list items and fragments of one field share its window.
 * Returns the windows to take and the rule of each, in the same order.
 */
export function plannedWindows(
  plan: ReadonlyArray<{ coordinate: string; count: number }>,
  rules: ReadonlyMap<string, RateLimitRule>,
): Array<{ rule: RateLimitRule; take: WindowTake }> {
  const counts = new Map<RateLimitRule, number>();
  for (const { coordinate, count } of plan) {
    const rule = rules.get(coordinate);
    if (rule && count > 0) counts.set(rule, (counts.get(rule) ?? 0) + count);
  }
  return [...counts].map(([rule, count]) => ({ rule, take: windowTake(rule, count) }));
}

function storeFailed(rule: RateLimitRule): GraphQLError {
  return tollgateError(
    'RATE_LIMITER_UNAVAILABLE',
    `${rule.coordinate} could not be admitted: the limiter is unavailable.`,
    {
      setsHttpStatus: false,
      extensions: { coordinate: rule.coordinate },
    },
  );
}
