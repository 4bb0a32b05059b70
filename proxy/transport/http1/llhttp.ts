// Node's own llhttp binding (the parser node:http runs on), used without node:http's per-request
// objects: the sidecar parses each message head once and forwards bodies as bytes. `_http_common`
// is the public home of that binding; it has no type declarations, so the part weft uses is
// declared here once.
import { createRequire } from 'node:module';

/** Raw header lines as llhttp hands them over: name, value, name, value, … (original case). */
export type RawHeaders = readonly string[];

export interface ParseError extends Error {
  /** llhttp's error name, e.g. HPE_HEADER_OVERFLOW, HPE_INVALID_HEADER_TOKEN. */
  readonly code: string;
  readonly bytesParsed?: number;
}

export type OnHeadersComplete = (
  versionMajor: number,
  versionMinor: number,
  headers: RawHeaders | undefined,
  method: number | undefined,
  url: string | undefined,
  statusCode: number | undefined,
  statusMessage: string | undefined,
  upgrade: boolean,
  shouldKeepAlive: boolean,
) => number | void;

export interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Bytes consumed, or the parse error (returned, not thrown). */
  execute(data: Buffer): number | ParseError;
  /** End of input: completes a read-until-close body, or reports a truncated message. */
  finish(): number | ParseError | undefined;
  close(): void;
  free(): void;
  [slot: number]: unknown;
}

interface ParserModule {
  readonly HTTPParser: {
    new (): LlhttpParser;
    readonly REQUEST: number;
    readonly RESPONSE: number;
    readonly kOnHeaders: number;
    readonly kOnHeadersComplete: number;
    readonly kOnBody: number;
    readonly kOnMessageComplete: number;
    readonly kLenientNone: number;
  };
  /** Method names by llhttp's method index. */
  readonly methods: readonly string[];
}

const binding = createRequire(import.meta.url)('_http_common') as ParserModule;
const { HTTPParser } = binding;

export const METHODS = binding.methods;

export interface ParserCallbacks {
  /** More header lines than fit one callback (long heads): collected until headers complete. */
  readonly onHeaders: (headers: RawHeaders, url: string) => void;
  readonly onHeadersComplete: OnHeadersComplete;
  readonly onBody: (chunk: Buffer) => void;
  readonly onMessageComplete: () => void;
}

/** Node's default limit for a whole message head (a bigger one is answered with 431). */
export const MAX_HEADER_BYTES = 16 * 1024;

// async_hooks resource the binding requires; one shared object, weft does not trace parsers.
const RESOURCE = {};

/** Starts (or restarts, for the next message after a body weft read itself) a parser. */
export const resetParser = (parser: LlhttpParser, kind: 'request' | 'response'): void =>
  // Strict parsing: no lenient flags, so smuggling shapes (CL+TE, bad chunk sizes, obs-fold)
  // are parse errors rather than interpretations.
  parser.initialize(
    kind === 'request' ? HTTPParser.REQUEST : HTTPParser.RESPONSE,
    RESOURCE,
    MAX_HEADER_BYTES,
    HTTPParser.kLenientNone,
  );

/**
 * What onHeadersComplete returns to stop llhttp right after the head, as for an Upgrade: execute()
 * then returns the head's length and the caller takes the bytes after it (llhttp still reports
 * the message complete at once; the caller must resetParser before the next message).
 */
export const STOP_AFTER_HEAD = 2;

export const newParser = (kind: 'request' | 'response', cb: ParserCallbacks): LlhttpParser => {
  const parser = new HTTPParser();
  resetParser(parser, kind);
  parser[HTTPParser.kOnHeaders] = cb.onHeaders;
  parser[HTTPParser.kOnHeadersComplete] = cb.onHeadersComplete;
  parser[HTTPParser.kOnBody] = cb.onBody;
  parser[HTTPParser.kOnMessageComplete] = cb.onMessageComplete;
  return parser;
};

export const isParseError = (r: unknown): r is ParseError => r instanceof Error;
