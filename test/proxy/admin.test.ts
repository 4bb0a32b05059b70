// Admin and metrics ports of a sidecar, and its graceful close: /ready follows the snapshot,
// /config shows it, /metrics carries the config version; close() lets an in-flight request finish.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h1Call } from '../helpers/http-clients.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';
import { service, snapshot, startSidecar, type Sidecar } from '../helpers/mesh.ts';

const get = async (port: number, path: string): Promise<{ status: number; body: string }> => {
  const r = await h1Call(port, { authority: '127.0.0.1', path });
  return { status: r.status, body: r.body.toString() };
};

describe('admin and metrics ports', () => {
  let sidecar: Sidecar;
  beforeAll(async () => {
    sidecar = await startSidecar(undefined, { appPort: 1 });
  });
  afterAll(() => sidecar.proxy.close());

  it('is live at once, ready only once a snapshot is active, and shows it', async () => {
    const { admin, metrics, outbound } = sidecar.proxy.ports;
    expect((await get(admin, '/live')).status).toBe(200);
    expect((await get(admin, '/ready')).status).toBe(503);
    expect(JSON.parse((await get(admin, '/config')).body)).toEqual({ version: null, snapshot: null });
    expect((await h1Call(outbound, { authority: 'web' })).headers['x-weft-error']).toBe('NO_ROUTE');

    const snap = snapshot({ name: 'watcher' }, [service('web', [])]);
    sidecar.source.replace(snap);
    expect((await get(admin, '/ready')).status).toBe(200);
    const config = JSON.parse((await get(admin, '/config')).body) as { version: string; snapshot: unknown };
    expect(config.version).toBe(snap.version);
    expect(config.snapshot).toEqual(snap);
    expect(metricValue(await scrape(metrics), 'weft_config_version_info', { version: snap.version })).toBe(1);
    // The service exists now but has no endpoint.
    const r = await h1Call(outbound, { authority: 'web' });
    expect([r.status, r.headers['x-weft-error']]).toEqual([503, 'NO_ENDPOINTS']);
    expect((await get(admin, '/nope')).status).toBe(404);
  });
});

describe('graceful close', () => {
  it('finishes the request in flight, then refuses new connections', async () => {
    let hold: ServerResponse | undefined;
    let arrived!: () => void;
    const arrival = new Promise<void>((r) => (arrived = r));
    const slow = createServer((_req, res) => {
      hold = res;
      arrived();
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const appPort = (slow.address() as AddressInfo).port;
    const server = await startSidecar(snapshot({ name: 'slow', service: 'slow' }, []), { appPort });
    const client = await startSidecar(
      snapshot({ name: 'caller' }, [
        service('slow', [{ address: '127.0.0.1', port: server.proxy.ports.inbound }]),
      ]),
      { appPort: 1 },
    );
    const pending = h1Call(client.proxy.ports.outbound, { authority: 'slow' });
    await arrival;
    const closing = server.proxy.close();
    hold?.end('late but whole');
    const r = await pending;
    expect([r.status, r.body.toString()]).toEqual([200, 'late but whole']);
    await closing;
    const after = await h1Call(client.proxy.ports.outbound, { authority: 'slow' });
    expect([after.status, after.headers['x-weft-error']]).toEqual([503, 'CONNECT_FAILED']);
    await client.proxy.close();
    slow.closeAllConnections();
    await new Promise((r) => slow.close(r));
  });
});
