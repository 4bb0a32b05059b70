// Label cardinality stays bounded whatever clients send: 10,000 distinct request paths (and a
// few methods) through a client sidecar → server sidecar pair with a TrafficPolicy route produce
// a handful of request series, not one per path. The `route` label names the policy route (its
// match name), never the path.
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceView } from '../../api/model/snapshot.ts';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { service, snapshot, startSidecar, type Sidecar } from '../helpers/mesh.ts';
import { scrape } from '../helpers/metrics.ts';

const PATHS = 10_000;
const CONCURRENCY = 16;

const seriesOf = (text: string, name: string): string[] =>
  text.split('\n').filter((l) => l.startsWith(`${name}{`));

describe('metric label cardinality', () => {
  let app: App;
  let sidecar: Sidecar;
  beforeAll(async () => {
    app = await startH1Echo('wide');
    const svc: ServiceView = service('wide', [{ address: '127.0.0.1', port: app.port }], {
      policy: {
        name: 'demo/wide-policy',
        timeoutMs: 5000,
        routes: [{ match: { name: 'api', pathRegex: '/api/.*' }, rules: { timeoutMs: 2000 } }],
      },
    });
    sidecar = await startSidecar(snapshot({ name: 'client' }, [svc]), { appPort: 1 });
  });
  afterAll(async () => {
    await sidecar.proxy.close();
    await app.close();
  });

  it(`stays bounded under ${PATHS} distinct paths`, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    let next = 0;
    const methods = ['GET', 'POST', 'PUT'];
    const worker = async (): Promise<void> => {
      while (next < PATHS) {
        const i = next++;
        const path = i % 2 === 0 ? `/api/item/${i}?q=${i}` : `/static/${i}/x${i}.png`;
        const r = await h1Call(
          sidecar.proxy.ports.outbound,
          { authority: 'wide', path, method: methods[i % 3] },
          agent,
        );
        expect(r.status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    agent.destroy();

    const text = await scrape(sidecar.proxy.ports.metrics);
    const requests = seriesOf(text, 'weft_requests_total');
    const buckets = seriesOf(text, 'weft_request_duration_seconds_bucket');
    console.log(
      `[cardinality] ${PATHS} paths → ${requests.length} request series, ${buckets.length} bucket series`,
    );
    // One series per (route, status): the "api" route and the service-wide rules, all 200.
    expect(requests.length).toBeLessThanOrEqual(4);
    expect(requests.some((l) => l.includes('route="api"'))).toBe(true);
    expect(buckets.length).toBeLessThanOrEqual(4 * 17);
    expect(text).not.toMatch(/item\/\d|\.png/); // no path ever becomes a label value
  }, 60_000);
});
