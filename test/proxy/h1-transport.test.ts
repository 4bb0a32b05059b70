// weft's own HTTP/1.1 transport (proxy/transport/http1) at the wire: what a client writes to the
// outbound listener byte for byte, and what comes back. Covers the cases node:http used to handle
// for us: pipelining, HEAD, 100-continue, HTTP/1.0, smuggling shapes and oversized heads, Upgrade,
// upstream keep-alive reuse, read-until-close answers, and resets over mTLS.
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { makePki, spiffe } from '../helpers/certs.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { service, snapshot, startPair, startSidecar, type Sidecar } from '../helpers/mesh.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';

/** Writes `bytes`, then collects what comes back until the peer closes or `quietMs` pass. */
const exchange = (
  port: number,
  bytes: string | Buffer,
  quietMs = 400,
): Promise<{ text: string; closed: boolean }> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer = setTimeout(() => done(false), quietMs);
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      clearTimeout(timer);
      timer = setTimeout(() => done(false), quietMs);
    });
    socket.once('close', () => done(true));
    socket.once('error', reject);
    socket.write(bytes);
  });

const statusLines = (text: string): string[] => text.match(/^HTTP\/1\.[01] \d{3}[^\r]*/gm) ?? [];

const listen = async (s: Server | ReturnType<typeof createTcpServer>): Promise<number> => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
};

describe('HTTP/1.1 transport at the wire', () => {
  let app: App;
  let sidecar: Sidecar;
  let port: number;
  beforeAll(async () => {
    app = await startH1Echo('wire');
    const svc = service('wire', [{ address: '127.0.0.1', port: app.port }]);
    sidecar = await startSidecar(snapshot({ name: 'client' }, [svc]), { appPort: 1 });
    port = sidecar.proxy.ports.outbound;
  });
  afterAll(async () => {
    await sidecar.proxy.close();
    await app.close();
  });

  it('answers pipelined requests in order on one connection', async () => {
    const r = await exchange(
      port,
      'GET /one HTTP/1.1\r\nHost: wire\r\n\r\n' +
        'POST /two HTTP/1.1\r\nHost: wire\r\nContent-Length: 5\r\n\r\nhello' +
        'GET /three HTTP/1.1\r\nHost: wire\r\n\r\n',
    );
    expect(statusLines(r.text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect([...r.text.matchAll(/x-echo-path: (\S+)/g)].map((m) => m[1])).toEqual(['/one', '/two', '/three']);
    expect(r.text).toContain('hello');
    expect(r.closed).toBe(false);
  });

  it('answers HEAD without a body and keeps the connection usable', async () => {
    const r = await exchange(
      port,
      'HEAD / HTTP/1.1\r\nHost: wire\r\n\r\nGET /after HTTP/1.1\r\nHost: wire\r\n\r\n',
    );
    expect(statusLines(r.text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(r.text).toContain('x-echo-path: /after');
  });

  it('sends 100 Continue for Expect: 100-continue and then forwards the body', async () => {
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.write('PUT /up HTTP/1.1\r\nHost: wire\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n');
    await expect.poll(() => Buffer.concat(got).toString()).toContain('HTTP/1.1 100 Continue');
    socket.write('abc');
    await expect.poll(() => Buffer.concat(got).toString()).toMatch(/HTTP\/1\.1 200 OK[\s\S]*abc/);
    socket.destroy();
  });

  it('closes an HTTP/1.0 connection after its answer, delimiting the body by the close', async () => {
    const r = await exchange(port, 'POST /old HTTP/1.0\r\nHost: wire\r\nContent-Length: 4\r\n\r\nold!', 2000);
    expect(statusLines(r.text)[0]).toBe('HTTP/1.1 200 OK');
    expect(r.text).toMatch(/connection: close/i);
    expect(r.text.endsWith('old!')).toBe(true);
    expect(r.closed).toBe(true);
  });

  it.each([
    [
      'Content-Length with Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: wire\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    [
      'two different Content-Lengths',
      'POST / HTTP/1.1\r\nHost: wire\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
    ],
    ['an obs-folded header', 'GET / HTTP/1.1\r\nHost: wire\r\nX-A: one\r\n two\r\n\r\n'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : wire\r\n\r\n'],
  ])('refuses %s with 400 and closes', async (_name, bytes) => {
    const before = app.requests;
    const r = await exchange(port, bytes, 2000);
    expect(statusLines(r.text)).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(r.text).toMatch(/weft: HPE_/);
    expect(r.closed).toBe(true);
    expect(app.requests).toBe(before); // nothing reached the app
    expect((await h1Call(port, { authority: 'wire' })).status).toBe(200); // still serving
  });

  it('answers 400 when a body turns out malformed after its head was forwarded', async () => {
    const r = await exchange(
      port,
      'POST / HTTP/1.1\r\nHost: wire\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
      2000,
    );
    expect(statusLines(r.text)).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(r.text).toContain('HPE_INVALID_CHUNK_SIZE');
    expect(r.closed).toBe(true);
    expect((await h1Call(port, { authority: 'wire' })).status).toBe(200);
  });

  it('answers an oversized head with 431', async () => {
    const r = await exchange(
      port,
      `GET / HTTP/1.1\r\nHost: wire\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      2000,
    );
    expect(statusLines(r.text)).toEqual(['HTTP/1.1 431 Request Header Fields Too Large']);
    expect(r.closed).toBe(true);
  });

  it('refuses CONNECT clearly (not supported) instead of hanging', async () => {
    const r = await exchange(
      port,
      'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n',
      2000,
    );
    expect(statusLines(r.text)).toEqual(['HTTP/1.1 501 Not Implemented']);
    expect(r.text).toContain('CONNECT is not supported');
  });

  it('passes a non-101 answer to an Upgrade back and closes', async () => {
    const r = await exchange(
      port,
      'GET /ws HTTP/1.1\r\nHost: wire\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      2000,
    );
    expect(statusLines(r.text)).toEqual(['HTTP/1.1 200 OK']); // the echo app does not upgrade
    expect(r.closed).toBe(true);
    expect((await h1Call(port, { authority: 'wire' })).status).toBe(200);
  });

  it('counts open downstream connections while they are open', async () => {
    const open = async (): Promise<number> =>
      metricValue(await scrape(sidecar.proxy.ports.metrics), 'weft_connections_open', {
        direction: 'outbound',
      });
    const base = await open();
    const a = connect(port, '127.0.0.1');
    const b = connect(port, '127.0.0.1');
    await expect.poll(open).toBe(base + 2);
    a.destroy();
    b.destroy();
    await expect.poll(open).toBe(base);
  });

  it('strips hop-by-hop headers, including those Connection names', async () => {
    const r = await exchange(
      port,
      'GET / HTTP/1.1\r\nHost: wire\r\nConnection: x-secret\r\nX-Secret: 1\r\nX-Custom: kept\r\nKeep-Alive: timeout=5\r\n\r\n',
    );
    expect(r.text).toContain('x-echo-custom: kept');
    // The echo app would show the headers it got; the sidecar must not forward x-secret.
    expect(r.text).not.toMatch(/x-secret/i);
  });
});

describe('HTTP/1.1 upstream pool', () => {
  it('reuses one keep-alive connection for sequential requests', async () => {
    let connections = 0;
    const upstream = createHttpServer((_req, res) => res.end('ok'));
    upstream.on('connection', () => connections++);
    const appPort = await listen(upstream);
    const sidecar = await startSidecar(
      snapshot({ name: 'client' }, [service('pooled', [{ address: '127.0.0.1', port: appPort }])]),
      { appPort: 1 },
    );
    try {
      for (let i = 0; i < 20; i++)
        expect((await h1Call(sidecar.proxy.ports.outbound, { authority: 'pooled' })).status).toBe(200);
      expect(connections).toBe(1);
    } finally {
      await sidecar.proxy.close();
      upstream.closeAllConnections();
      upstream.close();
    }
  });

  it('reads an answer delimited by the upstream closing the connection', async () => {
    const body = 'x'.repeat(100_000);
    const upstream = createTcpServer((s: Socket) => {
      s.once('data', () =>
        s.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${body}`),
      );
    });
    const appPort = await listen(upstream);
    const sidecar = await startSidecar(
      snapshot({ name: 'client' }, [service('closing', [{ address: '127.0.0.1', port: appPort }])]),
      { appPort: 1 },
    );
    try {
      const r = await h1Call(sidecar.proxy.ports.outbound, { authority: 'closing' });
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe(body);
    } finally {
      await sidecar.proxy.close();
      upstream.close();
    }
  });
});

/**
 * Content-Length answers are read by the transport itself after llhttp stops at the head (no
 * per-chunk callbacks): bodies that arrive in pieces, end early or run over their length.
 */
describe('HTTP/1.1 upstream Content-Length bodies', () => {
  const rawUpstream = async (onRequest: (s: Socket, n: number) => void) => {
    let connections = 0;
    const upstream = createTcpServer((s: Socket) => {
      connections++;
      let n = 0;
      s.on('data', () => onRequest(s, ++n));
      s.on('error', () => undefined);
    });
    const appPort = await listen(upstream);
    const sidecar = await startSidecar(
      snapshot({ name: 'client' }, [service('raw', [{ address: '127.0.0.1', port: appPort }])]),
      { appPort: 1 },
    );
    return {
      port: sidecar.proxy.ports.outbound,
      connections: () => connections,
      close: async () => {
        await sidecar.proxy.close();
        upstream.close();
      },
    };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('joins a body that arrives in pieces, then reuses the connection for the next answer', async () => {
    const up = await rawUpstream((s, n) => {
      const body = `piece-by-piece answer ${n}`;
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
      void (async () => {
        for (let i = 0; i < body.length; i += 7) {
          await sleep(5);
          s.write(body.slice(i, i + 7));
        }
      })();
    });
    try {
      for (const n of [1, 2, 3]) {
        const r = await h1Call(up.port, { authority: 'raw' });
        expect(r.status).toBe(200);
        expect(r.body.toString()).toBe(`piece-by-piece answer ${n}`);
      }
      expect(up.connections()).toBe(1);
    } finally {
      await up.close();
    }
  });

  it('does not pass off a body cut short by the upstream as complete', async () => {
    const up = await rawUpstream((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
      s.end('only a part of it');
    });
    try {
      const outcome = await h1Call(up.port, { authority: 'raw' }).then(
        (r) => (r.body.length === 1000 ? 'complete' : 'short'),
        () => 'failed',
      );
      expect(outcome).toBe('failed');
    } finally {
      await up.close();
    }
  });

  it('delivers the answer but drops a connection that sent bytes past the body', async () => {
    const up = await rawUpstream((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA'));
    try {
      for (let i = 0; i < 2; i++) {
        const r = await h1Call(up.port, { authority: 'raw' });
        expect(r.status).toBe(200);
        expect(r.body.toString()).toBe('hello');
      }
      expect(up.connections()).toBe(2); // the first connection was not reused
    } finally {
      await up.close();
    }
  });
});

describe('HTTP/1.1 over mTLS', () => {
  it('survives a peer resetting a TLS connection mid-request', async () => {
    const pki = makePki();
    const app = await startH1Echo('reset');
    const pair = await startPair('reset', app.port, {
      identity: spiffe('reset-server'),
      server: { tls: pki.material('reset-server'), inboundMode: 'STRICT' },
      client: { tls: pki.material('reset-client') },
    });
    try {
      const raw = connect(pair.server.proxy.ports.inbound, '127.0.0.1');
      const socket = tlsConnect({
        socket: raw,
        servername: 'weft.mesh',
        ALPNProtocols: ['http/1.1'],
        secureContext: pki.material('reset-peer').secureContext(),
        rejectUnauthorized: false,
      });
      await new Promise<void>((r, j) => (socket.once('secureConnect', r), socket.once('error', j)));
      socket.write('GET / HTTP/1.1\r\nHost: reset\r\nX-Half');
      await new Promise((r) => setTimeout(r, 50));
      raw.resetAndDestroy(); // RST under the TLS layer, as a crashed peer would
      await new Promise((r) => setTimeout(r, 100));
      const r = await h1Call(pair.client.proxy.ports.outbound, { authority: 'reset' });
      expect(r.status).toBe(200);
    } finally {
      await pair.close();
      await app.close();
      pki.dispose();
    }
  });
});
