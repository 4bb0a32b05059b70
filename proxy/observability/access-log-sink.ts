// Where access-log lines go: one JSON object per line through pino, to stdout or a file, with an
// asynchronous destination (lines are buffered and written off the request path). The sink
// stamps `time` from the injected clock so tests can pin it.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Clock } from '../../api/runtime/clock.ts';

export interface AccessLogSink {
  write(entry: object): void;
  /** Writes what is buffered now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface AccessLogSinkOptions {
  /** A file path; absent = stdout. */
  readonly file?: string;
  /** Any writable destination instead (tests); wins over `file`. */
  readonly stream?: DestinationStream;
  readonly clock: Clock;
}

interface Flushable {
  flush?(cb?: (err?: Error) => void): void;
  end?(): void;
}

const flushOf = (dest: Flushable): Promise<void> =>
  new Promise((resolve) => {
    if (!dest.flush) return resolve();
    try {
      dest.flush(() => resolve());
    } catch {
      resolve(); // not open yet, or already closed: nothing buffered to lose
    }
  });

export const openAccessLog = (o: AccessLogSinkOptions): AccessLogSink => {
  const dest: DestinationStream =
    o.stream ?? pino.destination({ dest: o.file ?? 1, sync: false, mkdir: o.file !== undefined });
  const { clock } = o;
  const logger: Logger = pino(
    {
      base: undefined,
      messageKey: 'message',
      timestamp: () => `,"time":"${new Date(clock.wallNow()).toISOString()}"`,
      formatters: { level: () => ({}) },
    },
    dest,
  );
  return {
    write: (entry) => logger.info(entry),
    flush: () => flushOf(dest as Flushable),
    close: async () => {
      await flushOf(dest as Flushable);
      if (!o.stream) (dest as Flushable).end?.();
    },
  };
};
