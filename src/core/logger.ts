import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go; default stdout. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/**
 * Root logger. JSON lines (one object per line) so production logs can be shipped as they are.
 * Module loggers are children named `sg:<module>`; each line names its site/device/camera,
 * never a secret — the redact list is a second line of defence, not the first.
 */
export function createRootLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.SG_LOG_LEVEL ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['password', '*.password', '*.*.password', 'passwordHash', '*.passwordHash', 'secret', '*.secret'],
        censor: '[redacted]',
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export function moduleLogger(root: Logger, name: string): Logger {
  return root.child({ ns: `sg:${name}` });
}

/** A logger that discards everything (unit tests of pure modules). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
