import { ConfigError } from '../config/index.js';
import { CostDirectiveError } from '../cost/index.js';
import { RateLimitDirectiveError } from '../directives/rate-limit.js';
import { SchemaError } from '../schema/type-defs.js';

const LISTEN_FAILURES: Readonly<Record<string, string>> = {
  EADDRINUSE: 'is in use by another process; set PORT to another port',
  EACCES: 'needs privileges this process does not have; set PORT above 1023',
  EADDRNOTAVAIL: 'is not an address of this machine; check HOST',
};

/**
 * The one line that tells an operator what to fix, for a start-up failure that is theirs (a bad
 * setting, schema or directive, a port in use); `undefined` for anything else, which is a bug
 * and keeps its stack trace.
 */
export function describeStartupFailure(error: unknown): string | undefined {
  if (
    error instanceof ConfigError ||
    error instanceof SchemaError ||
    error instanceof RateLimitDirectiveError ||
    error instanceof CostDirectiveError
  ) {
    return error.message.split('\n')[0];
  }
  const { code, address, port } = (error ?? {}) as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  const failure = code ? LISTEN_FAILURES[code] : undefined;
  if (failure && port !== undefined)
    return `cannot listen on ${address ?? '*'}:${port}: the port ${failure} (${code})`;
  return undefined;
}
