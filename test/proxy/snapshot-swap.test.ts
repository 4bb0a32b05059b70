// Snapshots replaced while a steady, bounded loop of HTTP/1.1 and h2c requests is in flight:
// every request succeeds, and traffic follows the endpoint changes.
import type { ClientHttp2Session } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../api/model/snapshot.ts';
import { startH1Echo, startH2Echo, type App } from '../helpers/apps.ts';
import { h1Call, h2Call, h2Connect, type Reply } from '../helpers/http-clients.ts';
import { service, snapshot, startSidecar, type Sidecar } from '../helpers/mesh.ts';

const REQUESTS = 600;
const CONCURRENCY = 6;
const SWAP_EVERY = 20;

describe('snapshot replaced under load', () => {
  const apps: App[] = [];
  const servers: Sidecar[] = [];
  let client: Sidecar;
  let session: ClientHttp2Session;
  beforeAll(async () => {
    // Two HTTP/1.1 apps behind service "web" and two h2c apps behind service "grid".
    for (const name of ['a', 'b']) {
      const app = await startH1Echo(name);
      apps.push(app);
      servers.push(await startSidecar(snapshot({ name, service: 'web' }, []), { appPort: app.port }));
    }
    for (const name of ['a2', 'b2']) {
      const app = await startH2Echo(name);
      apps.push(app);
      servers.push(await startSidecar(snapshot({ name, service: 'grid' }, []), { appPort: app.port }));
    }
    client = await startSidecar(undefined, { appPort: 1 });
    session = h2Connect(client.proxy.ports.outbound);
  });
  afterAll(async () => {
    session.close();
    await client.proxy.close();
    for (const s of servers) await s.proxy.close();
    for (const a of apps) await a.close();
  });

  const ep = (i: number): Endpoint => ({ address: '127.0.0.1', port: servers[i]!.proxy.ports.inbound });
  /** Rotates: only a, only b, both (and the same for the h2 pair). */
  const layouts: [number[], number[]][] = [
    [[0], [2]],
    [[1], [3]],
    [
      [0, 1],
      [2, 3],
    ],
  ];
  const publish = (k: number): void => {
    const [web, grid] = layouts[k % layouts.length]!;
    client.source.replace(
      snapshot({ name: 'caller' }, [service('web', web.map(ep)), service('grid', grid.map(ep))]),
    );
  };

  it('loses no request across 30 swaps', async () => {
    publish(0);
    let started = 0;
    let done = 0;
    let swaps = 0;
    const failures: Reply[] = [];
    const worker = async (w: number): Promise<void> => {
      while (started < REQUESTS) {
        const i = started++;
        const r =
          (i + w) % 2 === 0
            ? await h1Call(client.proxy.ports.outbound, {
                authority: 'web',
                body: Buffer.alloc(2048, i % 256),
              })
            : await h2Call(session, { authority: 'grid', body: Buffer.alloc(2048, i % 256) });
        if (r.status !== 200 || r.body.length !== 2048) failures.push(r);
        if (++done % SWAP_EVERY === 0) publish(++swaps);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
    expect(failures.map((f) => `${f.status} ${String(f.headers['x-weft-error'])}`)).toEqual([]);
    expect(swaps).toBe(REQUESTS / SWAP_EVERY);
    for (const app of apps) expect(app.requests).toBeGreaterThan(0);
    expect(apps.reduce((a, x) => a + x.requests, 0)).toBe(REQUESTS);
  });
});
