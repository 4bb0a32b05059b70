// Minimal HTTP/1.1 and h2c clients for tests that collect a whole reply (status, headers, body,
// trailers) and deterministic large bodies to send through the mesh.
import { createHash } from 'node:crypto';
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { connect, type ClientHttp2Session } from 'node:http2';
import { Readable } from 'node:stream';
import { seededRandom } from '../../api/runtime/clock.ts';

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly trailers?: IncomingHttpHeaders;
}

export interface Call {
  readonly authority: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | (() => Readable);
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** n bytes from a seeded generator: a 64 KiB random block repeated with a per-block counter. */
export const bytes = (n: number, seed = 1): Buffer => {
  const rnd = seededRandom(seed);
  const block = Buffer.alloc(64 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = Math.floor(rnd() * 256);
  const out = Buffer.alloc(n);
  for (let off = 0, k = 0; off < n; off += block.length, k++) {
    block.copy(out, off);
    out.writeUInt32BE(k, off); // no two blocks alike, so reordering would show
  }
  return out.subarray(0, n);
};

/** A body streamed in 64 KiB chunks, so it really streams rather than arriving as one write. */
export const chunked =
  (b: Buffer): (() => Readable) =>
  () =>
    Readable.from(
      (function* () {
        for (let off = 0; off < b.length; off += 64 * 1024) yield b.subarray(off, off + 64 * 1024);
      })(),
    );

const collect = (s: Readable): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.once('end', () => resolve(Buffer.concat(parts)));
    s.once('error', reject);
  });

const send = (body: Call['body'], to: NodeJS.WritableStream & { end(b?: Buffer): unknown }): void => {
  if (body === undefined) to.end();
  else if (Buffer.isBuffer(body)) to.end(body);
  else body().pipe(to);
};

/** `localAddress`: the source address of a new connection (a fake original destination keys on it). */
export const h1Call = (port: number, c: Call, agent?: Agent, localAddress?: string): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        agent: localAddress ? false : agent,
        ...(localAddress ? { localAddress } : {}),
        method: c.method ?? (c.body ? 'POST' : 'GET'),
        path: c.path ?? '/',
        headers: { host: c.authority, ...c.headers },
      },
      (res) =>
        void collect(res).then(
          (body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
          reject,
        ),
    );
    req.once('error', reject);
    send(c.body, req);
  });

export const h2Connect = (port: number): ClientHttp2Session =>
  connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 1 << 20 } });

export const h2Call = (session: ClientHttp2Session, c: Call): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const stream = session.request(
      {
        ':method': c.method ?? (c.body ? 'POST' : 'GET'),
        ':path': c.path ?? '/',
        ':authority': c.authority,
        ...c.headers,
      },
      { endStream: c.body === undefined },
    );
    let trailers: IncomingHttpHeaders | undefined;
    stream.once('trailers', (t: IncomingHttpHeaders) => (trailers = t));
    stream.once('response', (headers) => {
      void collect(stream).then(
        (body) => resolve({ status: Number(headers[':status']), headers, body, trailers }),
        reject,
      );
    });
    stream.once('error', reject);
    if (c.body !== undefined) send(c.body, stream);
  });
