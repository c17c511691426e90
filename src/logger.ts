import { type DestinationStream, type Logger, pino } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level (`LOG_LEVEL`). Default `info`. */
  level?: string;
  /** Where JSON lines go. Default standard output. */
  destination?: DestinationStream;
}

/** Tollgate's logger: JSON lines (pino), with credentials redacted wherever they appear. */
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
    options.destination,
  );
}

export type { Logger };
