/** Parsers of single configuration values: each names the variable it read when it refuses one. */

/** A configuration value that cannot be used; the message names it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A finite number (a string from the environment, or a number from the file). */
export function number(name: string, raw: unknown): number {
  const value =
    typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value)) throw new ConfigError(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}

/** A number greater than 0. */
export function positive(name: string, raw: unknown): number {
  const value = number(name, raw);
  if (value <= 0) throw new ConfigError(`${name} must be greater than 0, got ${value}`);
  return value;
}

/** A whole number within `range`. */
export function integer(name: string, raw: unknown, range: { min?: number; max?: number } = {}): number {
  const value = number(name, raw);
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** One of the allowed words. */
export function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

/** `true`/`false` or `1`/`0`. */
export function flag(name: string, raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  const value = String(raw).trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

// A short secret could be found by trying them all against a known IP's reference.

// RFC 9110 `token`: the characters a header name may have.
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** A header name, lower-cased; `none` or an empty value is `null` (no header). */
export function headerName(name: string, raw: unknown): string | null {
  if (raw === null) return null;
  if (typeof raw !== 'string')
    throw new ConfigError(`${name} must be a header name, got ${JSON.stringify(raw)}`);
  const value = raw.trim().toLowerCase();
  if (value === '' || value === 'none') return null;
  if (!HEADER_TOKEN.test(value)) {
    throw new ConfigError(
      `${name} must be a header name such as x-api-key, or none, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

const ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/;

/**
 * CORS origins: `*` alone, or origins `scheme://host[:port]` (no path, no trailing slash),
 * lower-cased. Empty entries are dropped; an empty list turns CORS off.
 */
export function corsOrigins(name: string, raw: readonly unknown[]): readonly string[] {
  const origins: string[] = [];
  for (const entry of raw) {
    if (typeof entry !== 'string')
      throw new ConfigError(`${name} must list origins as strings, got ${JSON.stringify(entry)}`);
    const value = entry.trim().toLowerCase();
    if (value === '') continue;
    const match = ORIGIN.exec(value);
    const port = match?.[3] === undefined ? 1 : Number(match[3]);
    if (value !== '*' && (!match || port < 1 || port > 65_535)) {
      throw new ConfigError(
        `${name} must list * or origins scheme://host[:port] without a path, got ${JSON.stringify(entry.trim())}`,
      );
    }
    if (!origins.includes(value)) origins.push(value);
  }
  if (origins.includes('*') && origins.length > 1)
    throw new ConfigError(`${name}: * allows every origin and must be alone`);
  return origins;
}
