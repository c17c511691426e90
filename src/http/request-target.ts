/** The parts of a request target the HTTP front routes on. */
export interface RequestTarget {
  /** The path, as sent (not decoded, not normalised): `/graphql`. */
  pathname: string;
  /** The query string with its `?`, or `''`. */
  search: string;
}

/**
 * Splits a request target (`request.url`) into path and query without `new URL`: a WHATWG URL
 * parser reads `//host` as a host and throws on `//[` or `//a:99999`, and a target is the
 * client's text, so nothing about it may throw. Origin-form (`/path?query`) is split at the first
 * `?`; absolute-form (`http://host/path`, which HTTP/1.1 servers must accept) is reduced to its
 * path and query. Anything else (`*`, authority-form, garbage) has no path: `undefined`.
 */
export function parseRequestTarget(target: string | undefined): RequestTarget | undefined {
  if (target === undefined || target === '') return undefined;
  if (target.startsWith('/')) return splitQuery(target);
  const absolute = /^https?:\/\/[^/?#]*(.*)$/i.exec(target);
  if (!absolute) return undefined;
  const rest = absolute[1] ?? '';
  return splitQuery(rest.startsWith('/') ? rest : `/${rest}`);
}

function splitQuery(originForm: string): RequestTarget {
  // A fragment is never sent by a conforming client; if one is, it is not part of the query.
  const withoutFragment = originForm.split('#', 1)[0] ?? '';
  const queryAt = withoutFragment.indexOf('?');
  if (queryAt === -1) return { pathname: withoutFragment, search: '' };
  return { pathname: withoutFragment.slice(0, queryAt), search: withoutFragment.slice(queryAt) };
}
