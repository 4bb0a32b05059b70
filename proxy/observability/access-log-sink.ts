// Where access-log lines go: one JSON object per line through pino, to stdout or a file, with an
// asynchronous destination (sonic-boom: lines are buffered and written off the request path).
// Each line starts with `"log":"access"` (in place of pino's level), which tells access lines
// from the sidecar's own pino logs when both go to stdout; entries bring their own `time`.
import { once } from 'node:events';
import type { EventEmitter } from 'node:events';
import { pino, type DestinationStream, type Logger } from 'pino';

export interface AccessLogSink {
  write(entry: object): void;
  /** Writes what is buffered now (best effort while the file is still opening). */
  flush(): void;
  /** Everything written is on disk (or stdout) when this resolves; stdout itself stays open. */
  close(): Promise<void>;
}

export interface AccessLogSinkOptions {
  /** A file path (appended to; its folder is created); absent = stdout. */
  readonly file?: string;
  /** Any writable destination instead (tests); wins over `file`. */
  readonly stream?: DestinationStream;
}

interface SonicBoomLike extends EventEmitter {
  flushSync(): void;
  end(): void;
  readonly destroyed: boolean;
}

const ACCESS = { log: 'access' };

export const openAccessLog = (o: AccessLogSinkOptions = {}): AccessLogSink => {
  const boom = o.stream
    ? undefined
    : (pino.destination({
        dest: o.file ?? 1,
        sync: false,
        mkdir: o.file !== undefined,
      }) as unknown as SonicBoomLike);
  const logger: Logger = pino(
    { base: undefined, timestamp: false, formatters: { level: () => ACCESS } },
    o.stream ?? (boom as unknown as DestinationStream),
  );
  return {
    write: (entry) => logger.info(entry),
    flush: () => {
      try {
        boom?.flushSync();
      } catch {
        // still opening: the lines are written once it is open
      }
    },
    close: async () => {
      if (!boom || boom.destroyed) return;
      const closed = once(boom, 'close');
      boom.end();
      await closed;
    },
  };
};
