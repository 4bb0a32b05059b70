// The root CA ConfigMap publisher against an in-memory ConfigMap store: created where missing,
// replaced when the bundle changes or someone edits it, left alone otherwise, only by the leader,
// and retried after a failed write.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../api/runtime/clock.ts';
import {
  KubeApiError,
  type JsonObject,
  type KubeHttp,
  type KubeRequest,
} from '../../sources/kube/kube-http.ts';
import { ROOT_CA_KEY } from '../../../api/runtime/control-plane-tls.ts';
import { rootCaPublisher, type RootCaPublisherOptions } from './root-ca-publisher.ts';

interface Stored {
  data: Record<string, string>;
  resourceVersion: string;
}

/** ConfigMaps by namespace, with the verbs the publisher uses; `fail` makes the next writes 500. */
const fakeApi = () => {
  const maps = new Map<string, Stored>();
  const calls: string[] = [];
  let rv = 0;
  let fail = 0;
  const http = (async (req: KubeRequest): Promise<JsonObject> => {
    const method = req.method ?? 'GET';
    calls.push(`${method} ${req.path}`);
    const ns = req.path.split('/')[4] ?? '';
    const sent = req.body as { data: Record<string, string>; metadata: { resourceVersion?: string } };
    const old = maps.get(ns);
    if (method === 'GET') {
      if (!old) throw new KubeApiError(404, 'NotFound', 'not found');
      return { metadata: { resourceVersion: old.resourceVersion }, data: old.data };
    }
    if (fail > 0 && fail--) throw new KubeApiError(500, 'InternalError', 'boom');
    if (method === 'POST' && old) throw new KubeApiError(409, 'AlreadyExists', 'exists');
    if (method === 'PUT' && old?.resourceVersion !== sent.metadata.resourceVersion)
      throw new KubeApiError(409, 'Conflict', 'stale');
    maps.set(ns, { data: sent.data, resourceVersion: String(++rv) });
    return {};
  }) as KubeHttp;
  return { http, maps, calls, failNext: (n: number) => (fail = n) };
};

const setup = (over: Partial<RootCaPublisherOptions> = {}) => {
  const api = fakeApi();
  const clock = new ManualClock();
  const state = { bundle: ['ROOT-A\n'], namespaces: ['shop', 'pay'], leader: true };
  const publisher = rootCaPublisher({
    http: api.http,
    namespaces: () => state.namespaces,
    trustBundle: () => state.bundle,
    isLeader: () => state.leader,
    clock,
    logger: pino({ level: 'silent' }),
    resyncMs: 60_000,
    retryMs: 5_000,
    ...over,
  });
  const pem = (ns: string) => api.maps.get(ns)?.data[ROOT_CA_KEY];
  return { api, clock, state, publisher, pem };
};

describe('rootCaPublisher', () => {
  it('creates the ConfigMap in every meshed namespace, then sends nothing while nothing changes', async () => {
    const { api, publisher, pem } = setup();
    publisher.sync();
    await publisher.idle();
    expect([pem('shop'), pem('pay')]).toEqual(['ROOT-A\n', 'ROOT-A\n']);
    const before = api.calls.length;
    publisher.sync();
    await publisher.idle();
    expect(api.calls.length).toBe(before);
  });

  it('writes the new bundle on root rotation and into namespaces that join the mesh', async () => {
    const { state, publisher, pem } = setup();
    publisher.sync();
    await publisher.idle();
    state.bundle = ['ROOT-B\n', 'ROOT-A\n'];
    state.namespaces = ['shop', 'pay', 'new'];
    publisher.sync();
    await publisher.idle();
    for (const ns of state.namespaces) expect(pem(ns)).toBe('ROOT-B\nROOT-A\n');
  });

  it('repairs an edited ConfigMap at the next resync', async () => {
    const { api, clock, publisher, pem } = setup();
    publisher.sync();
    await publisher.idle();
    api.maps.get('shop')!.data[ROOT_CA_KEY] = 'tampered';
    clock.advance(60_000);
    await publisher.idle();
    expect(pem('shop')).toBe('ROOT-A\n');
  });

  it('writes nothing on a follower', async () => {
    const { api, state, publisher } = setup();
    state.leader = false;
    publisher.sync();
    await publisher.idle();
    expect(api.calls).toEqual([]);
  });

  it('retries a failed write after retryMs', async () => {
    const { api, clock, publisher, pem } = setup();
    api.failNext(1);
    publisher.sync();
    await publisher.idle();
    expect([pem('shop'), pem('pay')].filter(Boolean)).toHaveLength(1);
    clock.advance(5_000);
    await publisher.idle();
    expect([pem('shop'), pem('pay')]).toEqual(['ROOT-A\n', 'ROOT-A\n']);
  });
});
