// Connections per endpoint are bounded by default, not only idle ones: past
// maxConnectionsPerEndpoint requests wait (in order) for a connection to come free, past
// maxPendingRequestsPerEndpoint they fail at once with CIRCUIT_OPEN; the server never sees
// more sockets than the bound.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION_DEFAULTS, type ConnectionView } from '../../api/model/policy.ts';
import type { Endpoint } from '../../api/model/snapshot.ts';
import { eventually } from '../control-plane/helpers.ts';
import { text } from 'node:stream/consumers';
import { isMeshError } from '../../proxy/stack/errors.ts';
import type { MeshRequest } from '../../proxy/stack/types.ts';
import { upstreamTransport } from '../../proxy/transport/upstream.ts';

const request: MeshRequest = {
  protocol: 'http1',
  method: 'GET',
  authority: 'catalog',
  path: '/',
  headers: {},
  body: null,
};

describe('connections per endpoint (HTTP/1.1)', () => {
  let server: Server;
  let endpoint: Endpoint;
  let sockets = 0;
  const held: ServerResponse[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => void held.push(res.setHeader('x-path', req.url ?? '')));
    server.keepAliveTimeout = 60_000;
    server.on('connection', () => sockets++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = { address: '127.0.0.1', port: (server.address() as AddressInfo).port };
  });
  afterAll(async () => {
    held.splice(0).forEach((r) => r.end());
    await new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections()));
  });

  it('queues past maxConnectionsPerEndpoint and refuses past maxPendingRequestsPerEndpoint', async () => {
    const transport = upstreamTransport({ logger: pino({ level: 'silent' }) });
    const c: ConnectionView = {
      ...CONNECTION_DEFAULTS,
      maxConnectionsPerEndpoint: 2,
      maxPendingRequestsPerEndpoint: 1,
    };
    const signal = new AbortController().signal;
    const send = (path: string) => transport.send({ ...request, path }, endpoint, signal, c);
    const running = [send('/1'), send('/2')];
    await eventually(() => (held.length === 2 ? true : undefined), 5_000, 'two requests at the server');
    const waiting = send('/3');
    const refused = await send('/4').catch((e: unknown) => e);
    expect(isMeshError(refused) && refused.code).toBe('CIRCUIT_OPEN');
    expect((refused as Error).message).toContain('maxPendingRequestsPerEndpoint: 1 requests already wait');
    expect(held.length).toBe(2);
    held.shift()?.end('one');
    await eventually(
      () => (held.length === 2 ? true : undefined),
      5_000,
      'the waiting request at the server',
    );
    expect(held[1]?.getHeader('x-path')).toBe('/3');
    held.splice(0).forEach((r) => r.end('more'));
    const bodies = await Promise.all(
      [...running, waiting].map(async (p) => {
        const res = await p;
        return res.body ? text(res.body) : '';
      }),
    );
    expect(bodies).toEqual(['one', 'more', 'more']);
    expect(sockets).toBe(2);
    await transport.close();
  });

  it('an aborted waiter leaves the queue', async () => {
    const transport = upstreamTransport({ logger: pino({ level: 'silent' }) });
    const c: ConnectionView = {
      ...CONNECTION_DEFAULTS,
      maxConnectionsPerEndpoint: 1,
      maxPendingRequestsPerEndpoint: 1,
    };
    const signal = new AbortController().signal;
    const first = transport.send(request, endpoint, signal, c);
    await eventually(() => (held.length === 1 ? true : undefined), 5_000, 'the first request at the server');
    const ac = new AbortController();
    const gone = transport.send(request, endpoint, ac.signal, c).catch((e: unknown) => e);
    ac.abort(new Error('caller left'));
    expect(String(await gone)).toContain('caller left');
    const next = transport.send({ ...request, path: '/next' }, endpoint, signal, c); // takes the freed slot
    held.shift()?.end('first');
    await eventually(() => (held.length === 1 ? true : undefined), 5_000, 'the next request at the server');
    expect(held[0]?.getHeader('x-path')).toBe('/next');
    held.shift()?.end('next');
    expect((await first).status).toBe(200);
    expect((await next).status).toBe(200);
    await transport.close();
  });

  it('closing the transport fails the waiting requests instead of dialling for them', async () => {
    const transport = upstreamTransport({ logger: pino({ level: 'silent' }) });
    const c: ConnectionView = {
      ...CONNECTION_DEFAULTS,
      maxConnectionsPerEndpoint: 1,
      maxPendingRequestsPerEndpoint: 1,
    };
    const signal = new AbortController().signal;
    const before = sockets;
    const first = transport.send(request, endpoint, signal, c).catch((e: unknown) => e);
    await eventually(() => (held.length === 1 ? true : undefined), 5_000, 'the first request at the server');
    const waiting = transport.send(request, endpoint, signal, c).catch((e: unknown) => e);
    await transport.close();
    expect(isMeshError(await waiting) && ((await waiting) as { code: string }).code).toBe('CONNECT_FAILED');
    expect(isMeshError(await first)).toBe(true);
    held.splice(0).forEach((r) => r.destroy());
    await new Promise((r) => setTimeout(r, 50)); // a connection dialled by mistake would show here
    expect(sockets - before).toBe(1);
  });
});
