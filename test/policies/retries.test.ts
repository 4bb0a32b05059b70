// Retries end to end. Through real sidecars (real sockets): a backend failing 30 % with 503 is
// rescued by attempts 3; POST is not retried on a 503; bodies over 64 KiB are not replayed;
// perTryTimeout moves on from a hung endpoint. In process on a ManualClock: the budget caps the
// extra load on a hard-down backend; per-try timeouts fire at exactly perTryTimeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetryPolicyView } from '../../api/model/policy.ts';
import type { Endpoint } from '../../api/model/snapshot.ts';
import {
  hang,
  inProcessOutbound,
  reply,
  retryView,
  stubTransport,
} from '../../proxy/outbound/outbound-testkit.ts';
import { bytes, h1Call } from '../helpers/http-clients.ts';
import { service, snapshot, startSidecar, type Sidecar } from '../helpers/mesh.ts';
import { flakyPerRequest, startPolicyApp, type PolicyApp } from './policy-apps.ts';
import { measured } from './report.ts';

const retries = (over: Partial<RetryPolicyView> = {}): RetryPolicyView =>
  retryView({
    attempts: 3,
    backoff: { baseMs: 1, maxMs: 5 },
    // Generous on purpose: this measures what retries can rescue, not the budget (tested below).
    budget: { ratio: 1, minPerSecond: 100, windowMs: 10_000 },
    ...over,
  });

/** Sends n requests with ids from `first`, `concurrency` at a time; returns how many got a 200. */
const load = async (port: number, n: number, first: number, concurrency = 8): Promise<number> => {
  let next = 0;
  let ok = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const id = String(first + next++);
      if ((await h1Call(port, { authority: 'catalog', headers: { 'x-test-id': id } })).status === 200) ok++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ok;
};

describe('retries through real sidecars', () => {
  const apps: PolicyApp[] = [];
  const servers: Sidecar[] = [];
  let client: Sidecar;
  const endpoints: Endpoint[] = [];
  const use = (
    policy: RetryPolicyView,
    extra: Partial<Parameters<typeof service>[2]> = {},
    eps = endpoints,
  ) =>
    client.source.replace(
      snapshot({ name: 'frontend' }, [
        service('catalog', eps, { policy: { name: 'demo/catalog', retries: policy }, ...extra }),
      ]),
    );

  beforeAll(async () => {
    // Two replicas failing 30 % of tries (seeded per request), plus one that never answers.
    const flaky = flakyPerRequest(11, 0.3);
    apps.push(await startPolicyApp('catalog-a', flaky));
    apps.push(await startPolicyApp('catalog-b', flaky));
    apps.push(await startPolicyApp('catalog-hung', () => new Promise<number>(() => undefined)));
    for (const app of apps) {
      const s = await startSidecar(snapshot({ name: app.name, service: 'catalog' }, []), {
        appPort: app.port,
      });
      servers.push(s);
      endpoints.push({ address: '127.0.0.1', port: s.proxy.ports.inbound, workload: app.name });
    }
    client = await startSidecar(undefined, { appPort: 1 });
  });
  afterAll(async () => {
    await client.proxy.close();
    for (const s of servers) await s.proxy.close();
    for (const a of apps) await a.close();
  });

  it('turns a 30 % 503 backend into ≥ 99 % success with attempts 3', async () => {
    const flaky = endpoints.slice(0, 2);
    use(retries({ attempts: 0 }), {}, flaky); // attempts 0: the retry layer passes through
    const without = (await load(client.proxy.ports.outbound, 300, 100_000)) / 300;
    use(retries(), {}, flaky);
    const before = apps[0]!.requests + apps[1]!.requests;
    const n = 2_000;
    const ok = await load(client.proxy.ports.outbound, n, 0);
    const tries = apps[0]!.requests + apps[1]!.requests - before;
    measured('retries: success without retries', without);
    measured('retries: success with attempts 3', ok / n);
    measured('retries: tries per request', tries / n);
    expect(without).toBeLessThan(0.8);
    expect(ok / n).toBeGreaterThanOrEqual(0.99);
    // 1 + 0.3 + 0.09 + 0.027 = 1.417 expected tries per request.
    expect(tries / n).toBeGreaterThan(1.3);
    expect(tries / n).toBeLessThan(1.55);
  });

  it('does not retry a POST after a 503, unless retryNonIdempotent; never replays a body over 64 KiB', async () => {
    const app = await startPolicyApp('always-503', () => 503);
    const server = await startSidecar(snapshot({ name: 'down', service: 'catalog' }, []), {
      appPort: app.port,
    });
    const eps = [{ address: '127.0.0.1', port: server.proxy.ports.inbound }];
    try {
      const post = (size: number) =>
        h1Call(client.proxy.ports.outbound, { authority: 'catalog', method: 'POST', body: bytes(size) });
      use(retries({ attempts: 2 }), {}, eps);
      expect((await post(1_000)).status).toBe(503);
      expect(app.requests).toBe(1);
      use(retries({ attempts: 2, retryNonIdempotent: true }), {}, eps);
      expect((await post(10_000)).status).toBe(503);
      expect(app.bodies.slice(1)).toEqual([10_000, 10_000, 10_000]); // replayed whole, twice
      expect((await post(100 * 1024)).status).toBe(503);
      expect(app.bodies.slice(4)).toEqual([100 * 1024]); // over maxReplayBytes: one try only
    } finally {
      await server.proxy.close();
      await app.close();
    }
  });

  it('gives up on a hung endpoint after perTryTimeout and retries elsewhere', async () => {
    // Without the per-try timeout a request sent to the hung replica would never be answered.
    use(retries({ perTryTimeoutMs: 150, attempts: 2 }), {}, [endpoints[2]!, endpoints[0]!]);
    const hungBefore = apps[2]!.requests;
    let slow = 0;
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const r = await h1Call(client.proxy.ports.outbound, { authority: 'catalog' });
      if (performance.now() - started >= 150) slow++;
      expect(r.headers['x-app']).toBe('catalog-a'); // the only replica that answers (200 or 503)
    }
    const hung = apps[2]!.requests - hungBefore;
    measured('perTryTimeout: requests that waited for a hung try', `${slow} of 20 (hung tries ${hung})`);
    expect(hung).toBeGreaterThan(0);
    expect(slow).toBe(hung); // each hung try cost one perTryTimeout, then the retry answered
  });
});

describe('retries in process (ManualClock)', () => {
  it('caps the extra load on a hard-down backend at the budget ratio', async () => {
    const transport = stubTransport(async () => reply(503));
    const o = inProcessOutbound(transport);
    const budget = { ratio: 0.2, minPerSecond: 1, windowMs: 10_000 };
    o.apply(
      snapshot({ name: 'frontend' }, [
        service(
          'catalog',
          [1, 2, 3].map((n) => ({ address: `10.0.0.${n}`, port: 8080 })),
          {
            policy: { name: 'demo/catalog', retries: retries({ budget, backoff: { baseMs: 0, maxMs: 0 } }) },
          },
        ),
      ]),
    );
    // 100 requests per second for 100 s.
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      o.clock.advance(10);
      expect((await o.call()).status).toBe(503);
    }
    const extra = (transport.total() - n) / n;
    measured('budget: extra tries per request (ratio 0.2, 1/s, 100 req/s)', extra);
    // ratio 0.2 + minPerSecond 1 / 100 req/s = 0.21; without the budget attempts 3 would add 3.0.
    expect(extra).toBeGreaterThan(0.19);
    expect(extra).toBeLessThanOrEqual(0.215);
    const text = await o.metrics.registry.metrics();
    expect(text).toMatch(/weft_retry_budget_exhausted_total\{service="demo\/catalog"\} \d{4}/);
  });

  it('times each try out at exactly perTryTimeout: 3 hung tries fail at 300 ms with PER_TRY_TIMEOUT', async () => {
    const transport = stubTransport(hang);
    const o = inProcessOutbound(transport);
    o.apply(
      snapshot({ name: 'frontend' }, [
        service(
          'catalog',
          [1, 2].map((n) => ({ address: `10.0.0.${n}`, port: 8080 })),
          {
            policy: {
              name: 'demo/catalog',
              retries: retries({ attempts: 2, perTryTimeoutMs: 100, backoff: { baseMs: 0, maxMs: 0 } }),
            },
          },
        ),
      ]),
    );
    const r = await o.driven({}, 1);
    expect([r.status, r.headers['x-weft-error']]).toEqual([504, 'PER_TRY_TIMEOUT']);
    expect(o.clock.now()).toBe(300);
    expect(transport.total()).toBe(3);
  });
});
