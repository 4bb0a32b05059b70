// Bad input at a running sidecar's listeners (processes, `weft proxy --config`, plaintext):
// request-smuggling shapes, oversized and invalid headers over raw HTTP/1.1 sockets on both the
// outbound and the inbound listener; HTTP/2 rapid reset and header flood (node:http2 client);
// invalid gRPC framing. Each must get a clear 4xx (or a closed connection), never reach the app
// as a second request, and the process must keep serving.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect as h2connect, constants, type ClientHttp2Session } from 'node:http2';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcEchoClient, startGrpcEcho, type App } from '../helpers/apps.ts';
import { sayOverGrpc } from '../helpers/grpc-pair.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { stopAll } from '../mtls/processes.ts';
import { closeServer, staticSidecar, type SidecarProc } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `bytes` on a fresh connection; resolves with what came back and whether the peer closed. */
const raw = (
  port: number,
  bytes: string | Buffer,
  waitMs = 2_000,
): Promise<{ reply: string; closed: boolean }> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let reply = '';
    let closed = false;
    const done = () => (s.destroy(), resolve({ reply, closed }));
    const timer = setTimeout(done, waitMs);
    s.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    s.on('error', () => undefined);
    s.once('close', () => ((closed = true), clearTimeout(timer), resolve({ reply, closed })));
    s.write(bytes);
  });

const statusOf = (reply: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nhost: echo\r\n\r\n';
/** Accepted statuses; 0 = closed without a reply (fine once the request was already streaming). */
const CASES: readonly { name: string; bytes: string; expect: readonly number[] }[] = [
  {
    name: 'Content-Length + Transfer-Encoding',
    bytes: `POST / HTTP/1.1\r\nhost: echo\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    expect: [400],
  },
  {
    name: 'two different Content-Lengths',
    bytes: `POST / HTTP/1.1\r\nhost: echo\r\ncontent-length: 0\r\ncontent-length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
    expect: [400],
  },
  {
    name: 'obs-fold (folded header line)',
    bytes: 'GET / HTTP/1.1\r\nhost: echo\r\nx-folded: a\r\n b\r\n\r\n',
    expect: [400],
  },
  {
    name: 'Transfer-Encoding other than chunked last',
    bytes: `POST / HTTP/1.1\r\nhost: echo\r\ntransfer-encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    expect: [400],
  },
  {
    name: 'oversized headers (64 KiB)',
    bytes: `GET / HTTP/1.1\r\nhost: echo\r\nx-big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
    expect: [431],
  },
  {
    name: 'control byte in a header value',
    bytes: 'GET / HTTP/1.1\r\nhost: echo\r\nx-bad: a\x01b\r\n\r\n',
    expect: [400],
  },
  {
    name: 'space in a header name',
    bytes: 'GET / HTTP/1.1\r\nhost: echo\r\nx bad: 1\r\n\r\n',
    expect: [400],
  },
  {
    name: 'bare LF line ends mixed with CRLF',
    bytes: 'GET / HTTP/1.1\r\nhost: echo\nx-a: 1\r\n\r\n',
    expect: [400],
  },
  {
    name: 'invalid chunk size',
    bytes: 'POST / HTTP/1.1\r\nhost: echo\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    expect: [400, 0],
  },
];

describe('bad input at a running sidecar', () => {
  let dir: string;
  let app: Server;
  const seen: string[] = [];
  let grpcApp: App;
  let client: SidecarProc;
  let server: SidecarProc;
  let grpcServer: SidecarProc;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-bad-'));
    app = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.once('end', () => res.writeHead(200, { 'content-length': 2 }).end('ok'));
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    grpcApp = await startGrpcEcho('grpc');
    server = await staticSidecar(dir, 'echo-server', { appPort: (app.address() as AddressInfo).port });
    grpcServer = await staticSidecar(dir, 'grpc-server', { appPort: grpcApp.port });
    client = await staticSidecar(dir, 'client', {
      services: { echo: { port: server.ports.inbound }, grpc: { port: grpcServer.ports.inbound } },
    });
  }, 40_000);
  afterAll(async () => {
    await stopAll();
    closeServer(app);
    await grpcApp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const stillServing = async (): Promise<void> => {
    for (const s of [client, server, grpcServer]) expect(s.proc.proc.exitCode, s.proc.output()).toBeNull();
    expect((await h1Call(client.ports.outbound, { authority: 'echo' })).status).toBe(200);
  };

  describe.each(['outbound', 'inbound'] as const)('HTTP/1.1 on the %s listener', (listener) => {
    it.each(CASES)('$name → $expect (0: no reply) and the connection closes', async (c) => {
      const port = (listener === 'outbound' ? client : server).ports[listener];
      const before = seen.length;
      const { reply, closed } = await raw(port, c.bytes);
      expect(c.expect, reply.slice(0, 80)).toContain(statusOf(reply));
      expect(closed).toBe(true);
      expect(seen.slice(before)).not.toContain('GET /smuggled');
      await stillServing();
    });
  });

  const h2 = (): ClientHttp2Session => {
    const s = h2connect(`http://127.0.0.1:${client.ports.outbound}`, { maxSendHeaderBlockLength: 1 << 20 });
    s.on('error', () => undefined);
    return s;
  };
  const goaway = (s: ClientHttp2Session) =>
    new Promise<number | undefined>((r) => {
      s.once('goaway', (code: number) => r(code));
      s.once('close', () => r(undefined));
    });

  it('HTTP/2 rapid reset (2,000 streams opened and cancelled at once): bounded work, keeps serving', async () => {
    const before = seen.length;
    const session = h2();
    const ended = goaway(session);
    let opened = 0;
    for (let burst = 0; burst < 20 && !session.closed && !session.destroyed; burst++) {
      for (let i = 0; i < 100; i++) {
        try {
          const st = session.request({ ':path': '/reset', ':authority': 'echo' });
          st.on('error', () => undefined);
          st.close(constants.NGHTTP2_CANCEL);
          opened++;
        } catch {
          break; // the server has closed the session
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    const code = await Promise.race([ended, sleep(2_000).then(() => 'open')]);
    session.destroy();
    const reached = seen.slice(before).length;
    console.log(
      `[reliability] rapid reset: ${opened} streams cancelled, ${reached} reached the app, session end: ${code}`,
    );
    expect(reached).toBeLessThan(opened);
    await stillServing();
  });

  it('HTTP/2 header flood (one request with 4,000 headers): refused, keeps serving', async () => {
    const session = h2();
    const headers: Record<string, string> = { ':path': '/flood', ':authority': 'echo' };
    for (let i = 0; i < 4_000; i++) headers[`x-flood-${i}`] = 'v'.repeat(32);
    const outcome = await new Promise<string>((resolve) => {
      const st = session.request(headers);
      st.once('response', (h) => resolve(`status ${h[':status']}`));
      st.once('error', (e: Error & { code?: string }) => resolve(`error ${e.code}`));
      st.once('close', () => resolve(`closed ${st.rstCode}`));
      st.end();
    });
    session.destroy();
    console.log(`[reliability] h2 header flood: ${outcome}`);
    expect(outcome).not.toBe('status 200');
    await stillServing();
  });

  it('invalid gRPC framing gets a gRPC error, and the next call works', async () => {
    const session = h2();
    const call = (body: Buffer) =>
      new Promise<string>((resolve) => {
        const st = session.request({
          ':method': 'POST',
          ':path': '/weft.test.Echo/Say',
          ':authority': 'grpc',
          'content-type': 'application/grpc',
          te: 'trailers',
        });
        let status = '';
        st.once('response', (h) => (status = String(h['grpc-status'] ?? `http ${h[':status']}`)));
        st.once('trailers', (t) => (status = String(t['grpc-status'])));
        st.on('data', () => undefined);
        st.on('error', (e: Error & { code?: string }) => (status ||= `error ${e.code}`));
        st.once('close', () => resolve(status || `closed ${st.rstCode}`));
        st.end(body);
      });
    const truncated = await call(Buffer.from([0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3])); // claims 2 GiB
    const badFlag = await call(Buffer.from([7, 0, 0, 0, 1, 0]));
    session.destroy();
    console.log(`[reliability] invalid gRPC framing: truncated → ${truncated}, bad flag → ${badFlag}`);
    for (const s of [truncated, badFlag]) expect(s).not.toBe('0');
    const c = grpcEchoClient(client.ports.outbound, 'grpc');
    expect((await sayOverGrpc(c, 'hi')).text).toBe('grpc:hi');
    c.close();
    await stillServing();
  });
});
