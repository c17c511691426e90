/**
 * Parsers of single configuration values. Each takes text from the environment or a value from
 * the file, and refuses a bad one with {@link InvalidValue}: a phrase such as `must be a number,
 * got "abc"` that the reader prefixes with where the value came from.
 */

/** A value that cannot be used; the message says why, without saying where the value came from. */
export class InvalidValue extends Error {
  override name = 'InvalidValue';
}

/** How a value reads in a message: `"abc"`, `12`, `a list`, `an object`. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'an object';
  return JSON.stringify(value) ?? String(value);
}

/** A finite number (text from the environment, or a number from the file). */
export function number(raw: string | number): number {
  const value = typeof raw === 'number' ? raw : raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) throw new InvalidValue(`must be a number, got ${describeValue(raw)}`);
  return value;
}

/** A number greater than 0. */
export function positive(raw: string | number): number {
  const value = number(raw);
  if (value <= 0) throw new InvalidValue(`must be greater than 0, got ${value}`);
  return value;
}

/** A whole number within `range`. */
export function integer(raw: string | number, range: { min?: number; max?: number } = {}): number {
  const value = number(raw);
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidValue(`must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** One of the allowed words. */
export function oneOf<T extends string>(raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new InvalidValue(`must be one of ${allowed.join(', ')}, got ${describeValue(raw)}`);
  }
  return raw as T;
}

/** `true`/`false` or `1`/`0`. */
export function flag(raw: string | boolean): boolean {
  if (typeof raw === 'boolean') return raw;
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidValue(`must be true or false, got ${describeValue(raw)}`);
}

/** A comma-separated list from the environment, or a list from the file; blank entries dropped. */
export function list(raw: string | readonly string[]): string[] {
  const entries = typeof raw === 'string' ? raw.split(',') : raw;
  return entries.map((entry) => entry.trim()).filter((entry) => entry !== '');
}

// RFC 9110 `token`: the characters a header name may have.
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** A header name, lower-cased; `none`, an empty value or `null` is `null` (no header). */
export function headerName(raw: string | null): string | null {
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '' || value === 'none') return null;
  if (!HEADER_TOKEN.test(value)) {
    throw new InvalidValue(`must be a header name such as x-api-key, or none, got ${describeValue(raw)}`);
  }
  return value;
}

const ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/;

/**
 * CORS origins: `*` alone, or origins `scheme://host[:port]` (no path, no trailing slash),
 * lower-cased as browsers send them. An empty list turns CORS off.
 */
export function corsOrigins(raw: string | readonly string[]): readonly string[] {
  const origins: string[] = [];
  for (const entry of list(raw)) {
    const value = entry.toLowerCase();
    const match = ORIGIN.exec(value);
    const port = Number(match?.[3] ?? 1);
    if (value !== '*' && (!match || port < 1 || port > 65_535)) {
      throw new InvalidValue(
        `must list * or origins scheme://host[:port] without a path, got ${describeValue(entry)}`,
      );
    }
    if (!origins.includes(value)) origins.push(value);
  }
  if (origins.includes('*') && origins.length > 1) {
    throw new InvalidValue('must list * alone: it already allows every origin');
  }
  return origins;
}

/** Redis Cluster start-up nodes, `host:port` each (`[::1]:7000` for IPv6); none is `null`. */
export function clusterNodes(raw: string | readonly string[]): Array<{ host: string; port: number }> | null {
  const nodes = list(raw).map((entry) => {
    const match = /^\[?([^\]\s]+?)\]?:(\d+)$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) {
      throw new InvalidValue(`must be host:port,… with ports from 1 to 65535, got ${describeValue(entry)}`);
    }
    return { host: match[1] as string, port };
  });
  return nodes.length === 0 ? null : nodes;
}

/** A file path. */
export function filePath(raw: string): string {
  if (raw.trim() === '') throw new InvalidValue('must be a file path, got ""');
  return raw;
}

/** Text, where empty means none. */
export function optionalText(raw: string | null): string | null {
  return raw?.trim() || null;
}

// A short secret could be found by trying them all against a known IP's reference.
/** A secret of at least 16 characters; empty means none. */
export function secret(raw: string | null): string | null {
  if (!raw) return null;
  if (raw.length < 16) throw new InvalidValue(`must be at least 16 characters, got ${raw.length}`);
  return raw;
}
