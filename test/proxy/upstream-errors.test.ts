// The transport against misbehaving upstreams on loopback: each failure surfaces as the right
// MeshError code (what retries and error-response branch on), for HTTP/1.1 and HTTP/2.
import { createServer } from 'node:http';
import { constants, createServer as createH2Server, type Http2Server } from 'node:http2';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../api/model/snapshot.ts';
import { isMeshError } from '../../proxy/stack/errors.ts';
import type { MeshRequest, WireProtocol } from '../../proxy/stack/types.ts';
import { upstreamTransport } from '../../proxy/transport/upstream.ts';
import { silent } from '../helpers/mesh.ts';

type Closable = Server | Http2Server | ReturnType<typeof createServer>;
const servers: Closable[] = [];
const listening = async (s: Closable): Promise<Endpoint> => {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { address: '127.0.0.1', port: (s.address() as AddressInfo).port };
};
const transport = upstreamTransport({ logger: silent });
afterAll(async () => {
  await transport.close();
  for (const s of servers) s.close();
});

const req = (protocol: WireProtocol): MeshRequest => ({
  protocol,
  method: 'GET',
  authority: 'svc',
  path: '/',
  headers: {},
  body: null,
});
const codeOf = async (protocol: WireProtocol, ep: Endpoint): Promise<string> => {
  const e = await transport.send(req(protocol), ep, new AbortController().signal).catch((x: unknown) => x);
  return isMeshError(e) ? e.code : `not a MeshError: ${String(e)}`;
};

describe('upstream failures map to mesh error codes', () => {
  it.each(['http1', 'h2'] as const)('%s: nothing listening → CONNECT_FAILED', async (p) => {
    const ep = await listening(createTcpServer());
    (servers.pop() as Server).close();
    await new Promise((r) => setImmediate(r));
    expect(await codeOf(p, ep)).toBe('CONNECT_FAILED');
  });

  it('http1: connection dropped after the request → UPSTREAM_RESET', async () => {
    const ep = await listening(createServer((r) => r.socket.destroy()));
    expect(await codeOf('http1', ep)).toBe('UPSTREAM_RESET');
  });

  it('h2: stream refused → REFUSED_STREAM', async () => {
    const s = createH2Server();
    s.on('stream', (stream) => stream.on('error', () => undefined).close(constants.NGHTTP2_REFUSED_STREAM));
    expect(await codeOf('h2', await listening(s))).toBe('REFUSED_STREAM');
  });

  it('h2: stream reset with another code → UPSTREAM_RESET', async () => {
    const s = createH2Server();
    s.on('stream', (stream) => stream.on('error', () => undefined).close(constants.NGHTTP2_INTERNAL_ERROR));
    expect(await codeOf('h2', await listening(s))).toBe('UPSTREAM_RESET');
  });

  it('h2: session torn down mid-request → UPSTREAM_RESET, and the next request gets a new session', async () => {
    let calls = 0;
    const s = createH2Server();
    s.on('stream', (stream) => {
      if (++calls === 1) stream.session?.destroy();
      else stream.respond({ ':status': 204 }, { endStream: true });
    });
    const ep = await listening(s);
    expect(await codeOf('h2', ep)).toBe('UPSTREAM_RESET');
    const ok = await transport.send(req('h2'), ep, new AbortController().signal);
    expect(ok.status).toBe(204);
  });

  it('http1: a reused keep-alive connection that dies on the next request is retried once, fresh', async () => {
    // Each connection answers its first request, then drops on the second: what a server that
    // closes idle connections looks like when the close races with the client's reuse.
    let connections = 0;
    const s = createTcpServer((socket) => {
      connections++;
      let seen = 0;
      socket.on('data', () => {
        if (++seen === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        else socket.destroy();
      });
    });
    const ep = await listening(s);
    for (let i = 0; i < 3; i++) {
      const r = await transport.send(req('http1'), ep, new AbortController().signal);
      expect(r.status).toBe(200);
      await new Promise((done) => r.body?.resume().once('end', done));
    }
    expect(connections).toBe(3);
  });
});
