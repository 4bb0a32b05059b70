import { createHash } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IDLE_TIMEOUT, splice, type Spliced } from './tcp-passthrough.ts';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

const listen = (onSocket: (s: Socket) => void): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer({ allowHalfOpen: true }, onSocket);
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });

/** client → front (splices each connection to `upPort`) → upstream; resolves with the front's side. */
const front = async (upPort: number, head?: Buffer, idleMs?: number) => {
  const spliced: Promise<Spliced>[] = [];
  const downs: Socket[] = [];
  const port = await listen((down) => {
    downs.push(down);
    spliced.push(splice(down, connect({ port: upPort, host: '127.0.0.1' }), head, idleMs));
  });
  return { port, spliced, downs };
};

const readAll = (s: Socket): Promise<Buffer> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('end', () => resolve(Buffer.concat(chunks)));
  });

const dial = (port: number): Socket => connect({ port, host: '127.0.0.1', allowHalfOpen: true });

/** Polls until `value` stops changing (bounded): "the pipe has stopped moving". */
const settled = async (value: () => number): Promise<number> => {
  let last = -1;
  for (let stable = 0, i = 0; stable < 5 && i < 200; i++) {
    const v = value();
    stable = v === last ? stable + 1 : 0;
    last = v;
    await new Promise((r) => setTimeout(r, 20));
  }
  return last;
};

describe('splice', () => {
  it('forwards the client FIN and still carries the answer back (half-close)', async () => {
    const up = await listen(async (s) => {
      const got = await readAll(s);
      s.end(`pong:${got.toString()}`);
    });
    const f = await front(up);
    const client = dial(f.port);
    client.end('ping');
    expect((await readAll(client)).toString()).toBe('pong:ping');
    expect(await f.spliced[0]).toMatchObject({ sent: 4, received: 9 });
  });

  it('lets the client keep sending after a server-first peer closed its side', async () => {
    let heard: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
    const up = await listen((s) => {
      s.end('banner');
      heard = readAll(s);
    });
    const f = await front(up);
    const client = dial(f.port);
    expect((await readAll(client)).toString()).toBe('banner');
    client.end('bye');
    await f.spliced[0];
    expect((await heard).toString()).toBe('bye');
  });

  it('sends bytes read while detecting first, also when the client has already ended', async () => {
    let heard: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
    const up = await listen((s) => {
      heard = readAll(s);
      s.end();
    });
    // The front reads everything (FIN included) before splicing, as capture's peek may.
    const port = await listen((down) => {
      const chunks: Buffer[] = [];
      down.on('data', (c: Buffer) => chunks.push(c));
      down.once(
        'end',
        () => void splice(down, connect({ port: up, host: '127.0.0.1' }), Buffer.concat(chunks)),
      );
    });
    const client = dial(port);
    client.end('early bytes');
    await readAll(client);
    expect((await heard).toString()).toBe('early bytes');
  });

  it('stops reading from the client while the upstream does not read (backpressure)', async () => {
    const total = 64 * 1024 * 1024;
    let upstream: Socket | undefined;
    let done: (hex: string) => void = () => undefined;
    const received = new Promise<string>((resolve) => (done = resolve));
    const upPort = await listen((s) => {
      upstream = s;
      s.pause();
      const hash = createHash('sha256');
      s.on('data', (c: Buffer) => hash.update(c));
      s.once('end', () => done(hash.digest('hex')));
      s.end();
    });
    const f = await front(upPort);
    const client = dial(f.port);
    const sent = createHash('sha256');
    const chunk = Buffer.alloc(1024 * 1024, 7);
    let written = 0;
    const pump = (): void => {
      while (written < total) {
        written += chunk.length;
        sent.update(chunk);
        if (!client.write(chunk)) return void client.once('drain', pump);
      }
      client.end();
    };
    pump();
    const stalled = await settled(() => f.downs[0]?.bytesRead ?? 0);
    expect(stalled).toBeLessThan(total / 2);
    upstream?.resume();
    expect(await received).toBe(sent.digest('hex'));
  });

  it('resets the client when the upstream resets', async () => {
    const up = await listen((s) => s.resetAndDestroy());
    const f = await front(up);
    const client = dial(f.port);
    client.write('x');
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => client.once('error', resolve));
    expect(err.code).toBe('ECONNRESET');
    expect((await f.spliced[0])?.error).toBeDefined();
  });

  it('resets both sides once no byte moved either way for the idle timeout', async () => {
    const idleMs = 150;
    const up = await listen((s) => s.on('error', () => undefined).write('hello'));
    const f = await front(up, undefined, idleMs);
    const client = dial(f.port);
    const started = performance.now();
    const closed = new Promise<number>((resolve) => client.once('close', () => resolve(performance.now())));
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('data', resolve));
    // A byte halfway keeps it open: the timeout counts from the last byte, not from the start.
    setTimeout(() => client.write('x'), idleMs / 2);
    const result = await f.spliced[0];
    expect((result?.error as NodeJS.ErrnoException | undefined)?.code).toBe(IDLE_TIMEOUT);
    expect(result).toMatchObject({ sent: 1, received: 5 });
    expect((await closed) - started).toBeGreaterThanOrEqual(idleMs * 1.5 - 1);
  });
});
