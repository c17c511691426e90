/**
 * Parsers for the rate-limit header fields Tollgate sends. No dependencies and no Node imports,
 * so the client runs in browsers too.
 */

/** One member of a `RateLimit` field: a policy's remaining quota. */
export interface RateLimitInfo {
  /** The policy's name (Tollgate names it after the tier, e.g. `anonymous`). */
  policy: string;
  /** `r`: points remaining now. */
  remaining: number;
  /** `t`: seconds until the quota is full again (Tollgate), or until it resets. */
  resetSec: number | undefined;
}

/** One member of a `RateLimit-Policy` field. */
export interface RateLimitPolicyInfo {
  policy: string;
  /** `q`: the quota (Tollgate: bucket capacity in points). */
  quota: number;
  /** `w`: the window in seconds (Tollgate: the seconds a full refill takes). */
  windowSec: number | undefined;
  /** `qu`: what the quota counts; absent in older Tollgate answers, which count points. */
  quotaUnit: string | undefined;
}

type BareItem = string | number | boolean;

/** A Structured Field list member (RFC 9651): its bare item and parameters. */
interface ListMember {
  item: BareItem;
  params: Map<string, BareItem>;
}

/**
 * Parses `RateLimit: "anonymous";r=431;t=3` (draft-ietf-httpapi-ratelimit-headers, a Structured
 * Field list). Members without a numeric `r` are skipped; a header that does not parse yields `[]`:
 * a client paces without it rather than failing a request over a header.
 */
export function parseRateLimit(value: string | null | undefined): RateLimitInfo[] {
  return parseList(value).flatMap(({ item, params }) => {
    const remaining = params.get('r');
    if (typeof remaining !== 'number') return [];
    const reset = params.get('t');
    return [{ policy: String(item), remaining, resetSec: typeof reset === 'number' ? reset : undefined }];
  });
}

/**
 * Parses `RateLimit-Policy: "anonymous";q=500;w=20` (with or without a `qu` quota unit); members
 * without a numeric `q` are skipped.
 */
export function parseRateLimitPolicy(value: string | null | undefined): RateLimitPolicyInfo[] {
  return parseList(value).flatMap(({ item, params }) => {
    const quota = params.get('q');
    if (typeof quota !== 'number') return [];
    const window = params.get('w');
    const unit = params.get('qu');
    return [
      {
        policy: String(item),
        quota,
        windowSec: typeof window === 'number' ? window : undefined,
        quotaUnit: typeof unit === 'string' ? unit : undefined,
      },
    ];
  });
}

/**
 * `Retry-After` in milliseconds from `nowMs`: delay-seconds (`2`) or an HTTP date. `undefined`
 * when absent or unreadable; never negative.
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its weekday and month; Date.parse alone would take `-1` for a year.
  const date = /^[A-Za-z]{3}, /.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

// A small RFC 9651 list parser: enough for strings, tokens, numbers, booleans and byte sequences
// as items and parameter values (inner lists do not occur in these fields). It is lenient where a
// newer server may say more: a parameter whose value it cannot read is left out, not the member, so
// that a unit or partition key added to a field never costs the client the fields it knows.
function parseList(value: string | null | undefined): ListMember[] {
  if (!value) return [];
  const members: ListMember[] = [];
  for (const part of splitOutsideQuotes(value, ',')) {
    const [head, ...rest] = splitOutsideQuotes(part, ';');
    const item = bareItem(head ?? '');
    if (item === undefined) return [];
    const params = new Map<string, BareItem>();
    for (const param of rest) {
      const eq = param.indexOf('=');
      const key = (eq === -1 ? param : param.slice(0, eq)).trim();
      if (!/^[a-z*][a-z0-9_\-.*]*$/.test(key)) return [];
      const parsed = eq === -1 ? true : bareItem(param.slice(eq + 1));
      if (parsed !== undefined) params.set(key, parsed);
    }
    members.push({ item, params });
  }
  return members;
}

function bareItem(raw: string): BareItem | undefined {
  const text = raw.trim();
  if (/^-?\d{1,15}(\.\d{1,3})?$/.test(text)) return Number(text);
  if (text === '?1' || text === '?0') return text === '?1';
  if (/^"(?:[^"\\]|\\["\\])*"$/.test(text)) return text.slice(1, -1).replace(/\\(["\\])/g, '$1');
  if (/^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*$/.test(text)) return text;
  // A byte sequence (the draft's partition key `pk`): kept as its base64 text.
  if (/^:[A-Za-z0-9+/=]*:$/.test(text)) return text.slice(1, -1);
  return undefined;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '\\' && quoted) {
      current += char + (text[i + 1] ?? '');
      i++;
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}
