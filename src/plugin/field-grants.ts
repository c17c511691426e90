import type { GraphQLError } from 'graphql';
import type { FieldAdmission } from '../context.js';
import { type RateLimitRule, windowOwner } from '../directives/rate-limit.js';
import { fieldRateLimitedError, tollgateError } from '../errors.js';
import { windowId } from '../limiter/keys.js';
import type { LimiterStore, WindowGrant, WindowRefund, WindowTake } from '../limiter/store.js';
import { wholeSeconds } from './feedback.js';

interface WindowLedger {
  rule: RateLimitRule;
  owner: string | undefined;
  /** Invocations the plan expected, and asked the store for. */
  planned: number;
  /** Of those, what the store granted, when it would grant one more, and when it granted them. */
  granted: number;
  retryAfterMs: number;
  grantedAtMs: number;
  /** Invocations seen so far. */
  invoked: number;
}

const ignoreRefusal = (): void => {};
// Shared by every operation that plans or grants no window (most): nothing to allocate for them.
const NO_WINDOWS: readonly PlannedWindow[] = Object.freeze([]);
const NO_REFUNDS: readonly WindowRefund[] = Object.freeze([]);

interface OverflowCall {
  rule: RateLimitRule;
  owner: string | undefined;
  settle: (admission: true | GraphQLError) => void;
}

/**
 * One operation's `@rateLimit` grants. The plugin's charge takes each window's planned calls in
 * the same round trip as the bucket; invocations then spend those grants without I/O. Only
 * invocations beyond the plan go back to the store, batched per tick into one call.
 */
export class FieldGrants implements FieldAdmission {
  // Made on first use: most operations call no @rateLimit field, and one is made per operation.
  private ledgers: Map<string, WindowLedger> | undefined;
  private overflow: OverflowCall[] | undefined;

  /** @param onRefused told of every refused invocation (metrics, logs). */
  constructor(
    private readonly client: string,
    private readonly store: LimiterStore,
    private readonly onRefused: (rule: RateLimitRule) => void = ignoreRefusal,
  ) {}

  /** Records what the store granted for a window the plan asked for. */
  record(window: PlannedWindow, grant: WindowGrant): void {
    const { rule, take } = window;
    // Fields named, not spread: `{ ...grant, more }` is slow in V8, and this runs per window per operation.
    this.ledgers ??= new Map();
    this.ledgers.set(windowId(rule.name, take.owner), {
      rule,
      owner: take.owner,
      planned: take.count,
      granted: grant.granted,
      retryAfterMs: grant.retryAfterMs,
      grantedAtMs: grant.grantedAtMs,
      invoked: 0,
    });
  }

  admit(
    rule: RateLimitRule,
    args: Readonly<Record<string, unknown>>,
  ): true | GraphQLError | Promise<true | GraphQLError> {
    const owner = windowOwner(rule, args);
    const ledger = this.ledgers?.get(windowId(rule.name, owner));
    if (ledger && ledger.invoked < ledger.planned) {
      ledger.invoked += 1;
      return ledger.invoked <= ledger.granted ? true : this.refuse(rule, ledger.retryAfterMs);
    }
    return new Promise((settle) => {
      if (!this.overflow) {
        this.overflow = [];
        process.nextTick(() => this.flushOverflow());
      }
      this.overflow.push({ rule, owner, settle });
    });
  }

  release(rule: RateLimitRule, args: Readonly<Record<string, unknown>>): void {
    const ledger = this.ledgers?.get(windowId(rule.name, windowOwner(rule, args)));
    // Only planned grants can be handed back here; an unplanned one was taken from the store
    // for this very call and simply counts (the strict side).
    if (ledger && ledger.invoked > 0 && ledger.invoked <= ledger.granted) ledger.invoked -= 1;
  }

  /** Per window: what was granted and how much of it was used, for giving the rest back. */
  usage(): readonly WindowRefund[] {
    if (!this.ledgers) return NO_REFUNDS;
    return [...this.ledgers.values()].map((ledger) => ({
      name: ledger.rule.name,
      ...(ledger.owner === undefined ? {} : { owner: ledger.owner }),
      granted: ledger.granted,
      used: Math.min(ledger.invoked, ledger.granted),
      grantedAtMs: ledger.grantedAtMs,
    }));
  }

  private refuse(rule: RateLimitRule, retryAfterMs: number): GraphQLError {
    this.onRefused(rule);
    return fieldRateLimitedError(rule, Math.max(1, wholeSeconds(retryAfterMs)));
  }

  private async flushOverflow(): Promise<void> {
    const calls = this.overflow ?? [];
    this.overflow = undefined;
    const byWindow = new Map<string, OverflowCall[]>();
    for (const call of calls) {
      const id = windowId(call.rule.name, call.owner);
      const group = byWindow.get(id);
      if (group) group.push(call);
      else byWindow.set(id, [call]);
    }
    const groups = [...byWindow.values()];
    try {
      const result = await this.store.charge({
        client: this.client,
        bucket: null,
        costMilli: 0,
        windows: groups.map((group) => {
          const { rule, owner } = group[0] as OverflowCall;
          return windowTake(rule, group.length, owner);
        }),
      });
      groups.forEach((group, i) => {
        const grant = result.windows[i] ?? { granted: 0, retryAfterMs: 0, grantedAtMs: 0 };
        group.forEach((call, j) => {
          call.settle(j < grant.granted ? true : this.refuse(call.rule, grant.retryAfterMs));
        });
      });
    } catch {
      for (const call of calls) call.settle(storeFailed(call.rule));
    }
  }
}

/** One operation's grants: what the store granted each planned window, in the plan's order. */
export function grantsFor(
  client: string,
  store: LimiterStore,
  windows: readonly PlannedWindow[],
  granted: readonly WindowGrant[],
  onRefused: (rule: RateLimitRule) => void,
): FieldGrants {
  const grants = new FieldGrants(client, store, onRefused);
  windows.forEach((window, i) => {
    grants.record(window, granted[i] ?? { granted: 0, retryAfterMs: 0, grantedAtMs: 0 });
  });
  return grants;
}

/** A window the plan takes calls from, and the rule it belongs to. */
export interface PlannedWindow {
  rule: RateLimitRule;
  take: WindowTake;
}

/** The window a rule takes `count` calls from (owned by the client unless `owner` is given). */
export function windowTake(rule: RateLimitRule, count: number, owner?: string): WindowTake {
  const take: WindowTake = { name: rule.name, max: rule.max, windowMs: rule.windowMs, count };
  if (owner !== undefined) take.owner = owner;
  return take;
}

/**
 * Sums a plan per window: aliases, list items and fragments of one field share its window (or,
 * for a `keyBy` rule, its window per argument value). One plan entry feeds every rule of its field.
 */
export function plannedWindows(
  plan: ReadonlyArray<{ coordinate: string; args: Readonly<Record<string, unknown>>; count: number }>,
  rules: ReadonlyMap<string, readonly RateLimitRule[]>,
): readonly PlannedWindow[] {
  if (plan.length === 0) return NO_WINDOWS;
  const windows = new Map<string, PlannedWindow>();
  for (const { coordinate, args, count } of plan) {
    if (count <= 0) continue;
    for (const rule of rules.get(coordinate) ?? []) {
      const owner = windowOwner(rule, args);
      const id = windowId(rule.name, owner);
      const window = windows.get(id);
      if (window) window.take.count += count;
      else windows.set(id, { rule, take: windowTake(rule, count, owner) });
    }
  }
  return [...windows.values()];
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
