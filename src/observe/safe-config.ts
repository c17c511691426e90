/**
 * Keys whose values are secrets wherever they appear in the configuration: `clientRefSecret`,
 * `password`, `authToken`, `apiKey`… but not `maxTokens` (a count) nor `apiKeyHeader` (a name).
 */
const SECRET_KEY = /secret|password|passwd|pepper|credential|api_?keys?$|salt|token$/i;

/** What a redacted value reads as. */
export const REDACTED = '[redacted]';

/**
 * Masks the credentials of a URL (`redis://user:pass@host` → `redis://user:***@host`) and keeps
 * the rest, so the log still says which server. A value that is not a URL is returned unchanged.
 */
export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (!url.password) return value;
  url.password = '***';
  return url.toString();
}

/**
 * A copy of a configuration object that is safe to log: values under secret-sounding keys
 * become `[redacted]` and passwords in URLs are masked, at any depth. Working from names rather
 * than a list of fields means a secret added to the configuration later is redacted too.
 */
export function safeConfig(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('://') ? redactUrl(value) : value;
  if (Array.isArray(value)) return value.map(safeConfig);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    // A flag or a count under a secret-sounding name (`bearerApiKeys: true`) gives nothing away.
    const secret =
      SECRET_KEY.test(key) && inner != null && typeof inner !== 'boolean' && typeof inner !== 'number';
    copy[key] = secret ? REDACTED : safeConfig(inner);
  }
  return copy;
}
