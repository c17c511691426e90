import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { TollgateContext } from '../context.js';
import { parseDurationMs } from '../limiter/duration.js';

/** A field's `@rateLimit`, validated: at most `max` calls in any `windowMs`, per client. */
export interface RateLimitRule {
  /** The field coordinate, `Type.field`; also the window's name in the store. */
  coordinate: string;
  max: number;
  windowMs: number;
  /** The directive's `window` as written, for error messages and extensions. */
  window: string;
}

/** A bad `@rateLimit` in the schema; the message names the field. Raised at start-up only. */
export class RateLimitDirectiveError extends Error {
  override name = 'RateLimitDirectiveError';
}

/** Reads and validates every `@rateLimit` of the schema, keyed by field coordinate. */
export function readRateLimitRules(schema: GraphQLSchema): ReadonlyMap<string, RateLimitRule> {
  const rules = new Map<string, RateLimitRule>();
  mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const directive = getDirective(schema, field, 'rateLimit')?.[0];
      if (directive) rules.set(`${typeName}.${fieldName}`, toRule(`${typeName}.${fieldName}`, directive));
      return field;
    },
  });
  return rules;
}

function toRule(coordinate: string, args: Record<string, unknown>): RateLimitRule {
  const { max, window } = args;
  if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1) {
    throw new RateLimitDirectiveError(
      `@rateLimit on ${coordinate}: max must be a whole number of at least 1, got ${JSON.stringify(max)}`,
    );
  }
  const windowMs = typeof window === 'string' ? parseDurationMs(window) : null;
  if (windowMs === null) {
    throw new RateLimitDirectiveError(
      `@rateLimit on ${coordinate}: window must be a positive whole number with a unit (ms, s, m, h, d), ` +
        `such as "60s", got ${JSON.stringify(window)}`,
    );
  }
  return { coordinate, max, windowMs, window: window as string };
}

/**
 * Wraps the resolver of every `@rateLimit` field so that each invocation is admitted by the
 * request's {@link TollgateContext.fieldAdmission} (granted ahead by the plugin's one charge).
 * A refused invocation resolves to null with a RATE_LIMITED error; the rest of the operation runs.
 */
export function applyRateLimitDirective(
  schema: GraphQLSchema,
  rules: ReadonlyMap<string, RateLimitRule>,
): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const rule = rules.get(`${typeName}.${fieldName}`);
      if (!rule) return field;
      return { ...field, resolve: admitThenResolve(rule, field.resolve ?? defaultFieldResolver) };
    },
  });
}

function admitThenResolve(
  rule: RateLimitRule,
  resolve: GraphQLFieldResolver<unknown, TollgateContext>,
): GraphQLFieldResolver<unknown, TollgateContext> {
  return (source, args, context, info) => {
    const admission = context.fieldAdmission.admit(rule, args);
    // The planned path is synchronous: no promise, no tick, when a grant is in hand.
    if (admission === true) return resolve(source, args, context, info);
    if (!(admission instanceof Promise)) throw admission;
    return admission.then((admitted) => {
      if (admitted === true) return resolve(source, args, context, info);
      throw admitted;
    });
  };
}
