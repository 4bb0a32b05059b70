// The access log through a real sidecar pair: one JSON line per request on each sidecar with the
// documented fields, none with sampling 0, and the fault note on an injected abort.
import { afterEach, describe, expect, it } from 'vitest';
import { openAccessLog, type AccessLogSink } from '../../proxy/observability/access-log-sink.ts';
import { startH1Echo } from '../helpers/apps.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { service, snapshot, startPair, type Pair } from '../helpers/mesh.ts';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';

interface Captured {
  readonly sink: AccessLogSink;
  readonly lines: string[];
}

const captured = (): Captured => {
  const lines: string[] = [];
  return { lines, sink: openAccessLog({ stream: { write: (s: string) => void lines.push(s) } }) };
};

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const start = async (sampleRatio: number, serverRatio = sampleRatio) => {
  const app = await startH1Echo('catalog');
  cleanup.push(() => app.close());
  const client = captured();
  const server = captured();
  const pair = await startPair('catalog', app.port, {
    client: { observability: { accessLog: { sink: client.sink, sampleRatio } } },
    server: { observability: { accessLog: { sink: server.sink, sampleRatio: serverRatio } } },
  });
  cleanup.push(() => pair.close());
  return { app, pair, client, server };
};

/** Lines are written when a response body ends, just after the caller has it: wait (bounded). */
const linesArrived = async (c: Captured, n: number): Promise<Record<string, unknown>[]> => {
  for (let i = 0; i < 100 && c.lines.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  return c.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
};

const call = (pair: Pair, path: string, headers: Record<string, string> = {}) =>
  h1Call(pair.client.proxy.ports.outbound, { authority: 'catalog', path, headers, body: Buffer.from('abc') });

describe('access log through a sidecar pair', () => {
  it('one valid JSON line per request on each side, with the documented fields', async () => {
    const { app, pair, client, server } = await start(1);
    for (let i = 0; i < 3; i++)
      expect((await call(pair, `/items/${i}`, { traceparent: `00-${T}-00f067aa0ba902b7-01` })).status).toBe(
        200,
      );
    const out = await linesArrived(client, 3);
    const inb = await linesArrived(server, 3);
    expect(out).toHaveLength(3);
    expect(inb).toHaveLength(3);
    expect(out.map((l) => l.path)).toEqual(['/items/0', '/items/1', '/items/2']);
    expect(out[0]).toMatchObject({
      log: 'access',
      direction: 'outbound',
      protocol: 'http1',
      method: 'POST',
      authority: 'catalog',
      status: 200,
      grpc_status: '',
      service: 'demo/catalog',
      backend: 'demo/catalog',
      route: '',
      upstream: `127.0.0.1:${pair.server.proxy.ports.inbound}`,
      retries: 0,
      fault: '',
      error: '',
      trace_id: T,
      source: 'demo/catalog-client',
      request_bytes: 3,
    });
    expect(inb[0]).toMatchObject({
      direction: 'inbound',
      status: 200,
      service: 'demo/catalog',
      upstream: `127.0.0.1:${app.port}`,
      trace_id: T,
    });
    for (const l of [...out, ...inb]) {
      expect(typeof l.duration_ms).toBe('number');
      expect(l.duration_ms as number).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(Date.parse(l.time as string))).toBe(false);
    }
  });

  it('sampling 0 writes no line (the logging server side shows the requests went through)', async () => {
    const { pair, client, server } = await start(0, 1);
    for (let i = 0; i < 5; i++) expect((await call(pair, '/x')).status).toBe(200);
    expect(await linesArrived(server, 5)).toHaveLength(5);
    expect(client.lines).toHaveLength(0);
  });

  it('an injected abort shows the fault and the status the caller got; the app is not reached', async () => {
    const { app, pair, client } = await start(1);
    const endpoint = {
      address: '127.0.0.1',
      port: pair.server.proxy.ports.inbound,
      workload: 'catalog-server',
    };
    const faulty = service('catalog', [endpoint], {
      faults: [
        { name: 'demo/chaos', match: { pathRegex: '/boom.*' }, abort: { httpStatus: 503, percent: 100 } },
      ],
    });
    pair.client.source.replace(snapshot({ name: 'catalog-client' }, [faulty]));
    expect((await call(pair, '/boom')).status).toBe(503);
    expect((await call(pair, '/fine')).status).toBe(200);
    const out = await linesArrived(client, 2);
    expect(out[0]).toMatchObject({ path: '/boom', status: 503, fault: 'abort:demo/chaos' });
    expect(out[1]).toMatchObject({ path: '/fine', status: 200, fault: '' });
    expect(app.requests).toBe(1);
  });
});
