import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level (`LOG_LEVEL`). Default `info`. */
  level?: string;
  /** Where JSON lines go. Default standard output. */
  destination?: DestinationStream;
  /** Human-readable lines (pino-pretty) instead of JSON, for a developer's terminal. Default `false`. */
  pretty?: boolean;
}

/**
 * The logger Tollgate uses when an app gives none: JSON lines on stdout at the configured level,
 * human-readable on a terminal outside production.
 */
export function defaultLogger(config: { log: { level: string }; production: boolean }): Logger {
  return createLogger({
    level: config.log.level,
    pretty: wantsPrettyLogs(process.stdout.isTTY, config.production),
  });
}

/** Whether logs should be human-readable: on a terminal, outside production. */
export function wantsPrettyLogs(stdoutIsTty: boolean | undefined, production: boolean): boolean {
  return Boolean(stdoutIsTty) && !production;
}

/**
 * Tollgate's logger: JSON lines (pino), or human-readable lines with `pretty`, with credentials
 * redacted wherever they appear.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'tollgate' },
      redact: {
        paths: ['apiKey', '*.apiKey', 'headers.authorization', 'headers["x-api-key"]', 'redisUrl'],
        censor: '[redacted]',
      },
    },
    options.pretty
      ? pretty({
          // Synchronous, like pino's own destination: nothing is lost when the process exits.
          sync: true,
          destination: options.destination ?? 1,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,service',
        })
      : options.destination,
  );
}

export type { Logger };
