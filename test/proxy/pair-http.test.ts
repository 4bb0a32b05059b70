// app → client sidecar → server sidecar → app over loopback, plaintext: HTTP/1.1 and h2c keep
// their protocol on every hop, headers and 10 MB bodies arrive intact in both directions.
import { createServer as createH2Server, type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startH1Echo, startH2Echo, type App } from '../helpers/apps.ts';
import { bytes, chunked, h1Call, h2Call, h2Connect, sha256 } from '../helpers/http-clients.ts';
import { startPair, type Pair } from '../helpers/mesh.ts';

const TEN_MB = 10 * 1024 * 1024;

describe('HTTP/1.1 through a sidecar pair', () => {
  let app: App;
  let pair: Pair;
  beforeAll(async () => {
    app = await startH1Echo('web');
    pair = await startPair('web', app.port);
  });
  afterAll(async () => {
    await pair.close();
    await app.close();
  });

  it('forwards method, path, authority and custom headers', async () => {
    const r = await h1Call(pair.client.proxy.ports.outbound, {
      authority: 'web.demo:80',
      method: 'PUT',
      path: '/a/b?c=d',
      headers: { 'x-custom': 'kept', connection: 'keep-alive, x-hop', 'x-hop': 'dropped' },
      body: Buffer.from('hello'),
    });
    expect(r.status).toBe(200);
    expect(r.headers['x-app']).toBe('web');
    expect(r.headers['x-echo-method']).toBe('PUT');
    expect(r.headers['x-echo-path']).toBe('/a/b?c=d');
    expect(r.headers['x-echo-authority']).toBe('web.demo:80');
    expect(r.headers['x-echo-custom']).toBe('kept');
    expect(r.body.toString()).toBe('hello');
  });

  it('streams 10 MB up and back with identical content', async () => {
    const data = bytes(TEN_MB, 3);
    const r = await h1Call(pair.client.proxy.ports.outbound, { authority: 'web', body: chunked(data) });
    expect(r.status).toBe(200);
    expect(app.lastBodyHash).toBe(sha256(data));
    expect(r.body.length).toBe(TEN_MB);
    expect(sha256(r.body)).toBe(sha256(data));
  });

  it('answers an unknown authority with 404 NO_ROUTE from the client sidecar', async () => {
    const before = app.requests;
    const r = await h1Call(pair.client.proxy.ports.outbound, { authority: 'nowhere.demo' });
    expect(r.status).toBe(404);
    expect(r.headers['x-weft-error']).toBe('NO_ROUTE');
    expect(app.requests).toBe(before);
  });
});

describe('h2c through a sidecar pair', () => {
  let app: App;
  let pair: Pair;
  let session: ClientHttp2Session;
  beforeAll(async () => {
    app = await startH2Echo('grid');
    pair = await startPair('grid', app.port);
    session = h2Connect(pair.client.proxy.ports.outbound);
  });
  afterAll(async () => {
    session.close();
    await pair.close();
    await app.close();
  });

  it('keeps h2 end to end and forwards trailers', async () => {
    const r = await h2Call(session, {
      authority: 'grid',
      path: '/x',
      headers: { 'x-custom': 'v' },
      body: Buffer.from('abc'),
    });
    expect(r.status).toBe(200);
    expect(r.headers['x-app']).toBe('grid');
    expect(r.headers['x-echo-authority']).toBe('grid');
    expect(r.headers['x-echo-custom']).toBe('v');
    expect(r.body.toString()).toBe('abc');
    expect(r.trailers?.['x-body-sha256']).toBe(sha256(Buffer.from('abc')));
  });

  it('streams 10 MB up and back on multiplexed streams', async () => {
    const data = bytes(TEN_MB, 4);
    const small = bytes(1000, 5);
    const [big, other] = await Promise.all([
      h2Call(session, { authority: 'grid', body: chunked(data) }),
      h2Call(session, { authority: 'grid', body: small }),
    ]);
    expect(big.status).toBe(200);
    expect(sha256(big.body)).toBe(sha256(data));
    expect(big.trailers?.['x-body-sha256']).toBe(sha256(data));
    expect(sha256(other.body)).toBe(sha256(small));
  });
});

describe('h2c response without trailers', () => {
  it('ends cleanly with the body and no trailers', async () => {
    const app = createH2Server();
    app.on('stream', (s) => {
      s.respond({ ':status': 200, 'x-plain': '1' });
      s.end('no trailers here');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const pair = await startPair('plain', (app.address() as AddressInfo).port);
    const session = h2Connect(pair.client.proxy.ports.outbound);
    try {
      const r = await h2Call(session, { authority: 'plain' });
      expect([r.status, r.headers['x-plain'], r.body.toString()]).toEqual([200, '1', 'no trailers here']);
      expect(r.trailers ?? {}).not.toHaveProperty('grpc-status');
    } finally {
      session.close();
      await pair.close();
      app.close();
    }
  });
});
