import { createHash } from 'node:crypto';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  type GraphQLFieldConfig,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import type { TollgateContext } from '../context.js';
import { parseDurationMs } from '../limiter/duration.js';

/** One `@rateLimit` of a field, validated: at most `max` calls in any `windowMs`. */
export interface RateLimitRule {
  /** The field coordinate, `Type.field`. */
  coordinate: string;
  /** The window's name in the store: the coordinate, with `#n` for the field's n-th further rule. */
  name: string;
  max: number;
  windowMs: number;
  /** The directive's `window` as written, for error messages and extensions. */
  window: string;
  /**
   * Field arguments whose values key the window in place of the client, or `null` for a window per
   * client. With `keyBy: ["username"]` every client shares one window per user name.
   */
  keyBy: readonly string[] | null;
}

/** A bad `@rateLimit` in the schema; the message names the field. Raised at start-up only. */
export class RateLimitDirectiveError extends Error {
  override name = 'RateLimitDirectiveError';
}

/** Reads and validates every `@rateLimit` of the schema: the rules of each field coordinate. */
export function readRateLimitRules(schema: GraphQLSchema): ReadonlyMap<string, readonly RateLimitRule[]> {
  const rules = new Map<string, RateLimitRule[]>();
  mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const coordinate = `${typeName}.${fieldName}`;
      const directives = getDirective(schema, field, 'rateLimit') ?? [];
      if (directives.length > 0) {
        rules.set(
          coordinate,
          directives.map((args, i) => toRule(coordinate, i, args, field)),
        );
      }
      return field;
    },
  });
  return rules;
}

function toRule(
  coordinate: string,
  index: number,
  args: Record<string, unknown>,
  field: GraphQLFieldConfig<unknown, unknown>,
): RateLimitRule {
  const { max, window, keyBy } = args;
  const fail = (message: string) => new RateLimitDirectiveError(`@rateLimit on ${coordinate}: ${message}`);
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1) {
    throw fail(`max must be a whole number of at least 1, got ${JSON.stringify(max)}`);
  }
  const windowMs = typeof window === 'string' ? parseDurationMs(window) : null;
  if (windowMs === null) {
    throw fail(
      `window must be a positive whole number with a unit (ms, s, m, h, d), such as "60s", got ${JSON.stringify(window)}`,
    );
  }
  if (keyBy !== undefined && keyBy !== null) {
    const names = keyBy as string[];
    if (names.length === 0) throw fail('keyBy must name at least one argument of the field');
    for (const name of names) {
      if (!field.args?.[name]) throw fail(`keyBy names "${name}", which is not an argument of the field`);
    }
  }
  const name = index === 0 ? coordinate : `${coordinate}#${index}`;
  return {
    coordinate,
    name,
    max,
    windowMs,
    window: window as string,
    keyBy: (keyBy as string[] | null) ?? null,
  };
}

/**
 * Who owns the window an invocation counts in: `undefined` for the calling client's own window,
 * else an id derived from the `keyBy` argument values (hashed: they may be user names).
 */
export function windowOwner(
  rule: RateLimitRule,
  args: Readonly<Record<string, unknown>>,
): string | undefined {
  if (!rule.keyBy) return undefined;
  const values = JSON.stringify(rule.keyBy.map((name) => args[name] ?? null));
  return `arg:${rule.name}:${createHash('sha256').update(values).digest('base64url').slice(0, 22)}`;
}

/**
 * Wraps the resolver of every `@rateLimit` field so that each invocation is admitted by the
 * request's {@link TollgateContext.fieldAdmission} (granted ahead by the plugin's one charge),
 * under every rule of the field. A refused invocation resolves to null with a RATE_LIMITED error;
 * the rest of the operation runs.
 */
export function applyRateLimitDirective(
  schema: GraphQLSchema,
  rules: ReadonlyMap<string, readonly RateLimitRule[]>,
): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const fieldRules = rules.get(`${typeName}.${fieldName}`);
      if (!fieldRules) return field;
      return { ...field, resolve: admitThenResolve(fieldRules, field.resolve ?? defaultFieldResolver) };
    },
  });
}

function admitThenResolve(
  rules: readonly RateLimitRule[],
  resolve: GraphQLFieldResolver<unknown, TollgateContext>,
): GraphQLFieldResolver<unknown, TollgateContext> {
  return (source, args, context, info) => {
    const admissions = rules.map((rule) => context.fieldAdmission.admit(rule, args));
    // The planned path is synchronous: no promise, no tick, when the grants are in hand.
    if (admissions.every((admission) => admission === true)) return resolve(source, args, context, info);
    const refuse = (settled: ReadonlyArray<true | Error>) => {
      const refused = settled.find((admission) => admission !== true);
      if (!refused) return null;
      // Refused by one rule: the grants the others gave go back, so the call counts nowhere.
      settled.forEach((admission, i) => {
        if (admission === true) context.fieldAdmission.release(rules[i] as RateLimitRule, args);
      });
      return refused;
    };
    if (!admissions.some((admission) => admission instanceof Promise)) {
      throw refuse(admissions as Array<true | Error>);
    }
    return Promise.all(admissions).then((settled) => {
      const refused = refuse(settled);
      if (refused) throw refused;
      return resolve(source, args, context, info);
    });
  };
}
