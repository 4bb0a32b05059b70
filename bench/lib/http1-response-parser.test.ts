import { describe, expect, it } from 'vitest';
import { Http1ResponseParser, ResponseParseError } from './http1-response-parser.ts';

const resp = (head: string, body = ''): string => `${head}\r\n\r\n${body}`;

describe('Http1ResponseParser', () => {
  it('ends a Content-Length response exactly after its body, across chunk boundaries', () => {
    const p = new Http1ResponseParser();
    const text = resp('HTTP/1.1 200 OK\r\nContent-Length: 5', 'hello');
    expect(p.feed(Buffer.from(text.slice(0, 10)))).toEqual([]);
    expect(p.feed(Buffer.from(text.slice(10, -1)))).toEqual([]);
    expect(p.feed(Buffer.from(text.slice(-1)))).toEqual([{ status: 200, close: false }]);
  });

  it('reads pipelined responses from one buffer', () => {
    const p = new Http1ResponseParser();
    const two =
      resp('HTTP/1.1 200 OK\r\ncontent-length: 2', 'ok') + resp('HTTP/1.1 503 No\r\ncontent-length: 0');
    expect(p.feed(Buffer.from(two))).toEqual([
      { status: 200, close: false },
      { status: 503, close: false },
    ]);
  });

  it('reads chunked bodies with extensions and trailers, byte by byte', () => {
    const p = new Http1ResponseParser();
    const text = resp('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', '3;x=1\r\nabc\r\n0\r\nx-t: 1\r\n\r\n');
    const ends = [...Buffer.from(text)].flatMap((b) => p.feed(Buffer.from([b])));
    expect(ends).toEqual([{ status: 200, close: false }]);
  });

  it('flags responses after which the connection is not reusable', () => {
    const p = new Http1ResponseParser();
    expect(p.feed(Buffer.from(resp('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0')))).toEqual([
      { status: 200, close: true },
    ]);
    expect(p.feed(Buffer.from(resp('HTTP/1.0 200 OK\r\nContent-Length: 0')))).toEqual([
      { status: 200, close: true },
    ]);
  });

  it('204 and 304 have no body whatever Content-Length says', () => {
    const p = new Http1ResponseParser();
    const two =
      resp('HTTP/1.1 304 Not Modified\r\nContent-Length: 10') + resp('HTTP/1.1 200 OK\r\nContent-Length: 0');
    expect(p.feed(Buffer.from(two)).map((e) => e.status)).toEqual([304, 200]);
  });

  it('rejects garbage with a coded error', () => {
    const p = new Http1ResponseParser();
    expect(() => p.feed(Buffer.from(resp('SSH-2.0-hello')))).toThrow(ResponseParseError);
  });
});
