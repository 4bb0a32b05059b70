// A minimal incremental HTTP/1.1 response reader for the open-loop generator: it only needs to
// know where each response ends (Content-Length or chunked), its status, and whether the server
// will close the connection. Bodies are skipped, never buffered.

export interface ResponseEnd {
  readonly status: number;
  /** The server said `Connection: close` (or spoke HTTP/1.0): the socket is not reusable. */
  readonly close: boolean;
}

type State = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers';

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

export class ResponseParseError extends Error {
  readonly code = 'BENCH_BAD_RESPONSE';
}

interface Head {
  status: number;
  close: boolean;
  chunked: boolean;
  length: number;
}

const parseHead = (text: string): Head => {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new ResponseParseError(`bad status line: ${JSON.stringify(lines[0])}`);
  const head: Head = { status: Number(m[2]), close: m[1] === '0', chunked: false, length: -1 };
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (name === 'content-length') head.length = Number(value);
    else if (name === 'transfer-encoding') head.chunked = value.includes('chunked');
    else if (name === 'connection') head.close = value.includes('close');
  }
  // 1xx, 204 and 304 carry no body whatever the headers say
  if (head.status < 200 || head.status === 204 || head.status === 304) head.length = 0;
  if (!head.chunked && head.length < 0) head.close = true; // body runs to EOF: not supported
  return head;
};

export class Http1ResponseParser {
  private state: State = 'head';
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private head: Head | undefined;

  /** Feeds bytes; returns every response that ended within them, in order. */
  feed(chunk: Buffer): ResponseEnd[] {
    const done: ResponseEnd[] = [];
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const used = this.step(buf, done);
      if (used < 0) break;
      buf = buf.subarray(used);
    }
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
    if (this.state === 'head' && this.pending.length > MAX_HEAD)
      throw new ResponseParseError('response head larger than 64 KiB');
    return done;
  }

  /** Consumes from the front of buf; returns bytes used, or -1 when more input is needed. */
  private step(buf: Buffer, done: ResponseEnd[]): number {
    switch (this.state) {
      case 'head':
        return this.readHead(buf, done);
      case 'body':
      case 'chunk-data':
        return this.skipBody(buf, done);
      case 'chunk-size':
        return this.readLine(buf, (line) => this.onChunkSize(line));
      case 'chunk-end':
        return this.readLine(buf, () => (this.state = 'chunk-size'));
      case 'trailers':
        return this.readLine(buf, (line) => {
          if (line === '') this.finish(done);
        });
    }
  }

  private readHead(buf: Buffer, done: ResponseEnd[]): number {
    const end = buf.indexOf(HEAD_END);
    if (end < 0) return -1;
    this.head = parseHead(buf.toString('latin1', 0, end));
    if (this.head.chunked) this.state = 'chunk-size';
    else if (this.head.length > 0) {
      this.state = 'body';
      this.remaining = this.head.length;
    } else this.finish(done);
    return end + HEAD_END.length;
  }

  private skipBody(buf: Buffer, done: ResponseEnd[]): number {
    if (buf.length === 0) return -1;
    const n = Math.min(buf.length, this.remaining);
    this.remaining -= n;
    if (this.remaining === 0) {
      if (this.state === 'body') this.finish(done);
      else this.state = 'chunk-end';
    }
    return n;
  }

  private readLine(buf: Buffer, onLine: (line: string) => void): number {
    const end = buf.indexOf(CRLF);
    if (end < 0) return -1;
    onLine(buf.toString('latin1', 0, end));
    return end + CRLF.length;
  }

  private onChunkSize(line: string): void {
    const size = parseInt(line.split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size < 0) throw new ResponseParseError(`bad chunk size ${line}`);
    if (size === 0) this.state = 'trailers';
    else {
      this.state = 'chunk-data';
      this.remaining = size;
    }
  }

  private finish(done: ResponseEnd[]): void {
    const head = this.head as Head;
    done.push({ status: head.status, close: head.close });
    this.state = 'head';
    this.head = undefined;
  }
}
