// The discovery client against real sockets on loopback: reconnect timing on a ManualClock
// (a port nobody listens on fails fast), and the ACK/NACK protocol against a scripted server.
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { toWire } from '../../api/convert/snapshot-wire.ts';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import {
  discoveryService,
  type ServerDiscoveryStream,
  type SnapshotRequestMessage,
  type SnapshotResponseMessage,
} from '../../api/proto/discovery.ts';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import { connectDiscovery, type DiscoverySource } from './grpc-source.ts';

const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
};

const waitFor = async (cond: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

let source: DiscoverySource | undefined;
afterEach(async () => {
  await source?.close();
  source = undefined;
});

describe('connectDiscovery reconnects', () => {
  it('with capped exponential back-off and jitter, on the injected clock', async () => {
    const clock = new ManualClock();
    const registry = new Registry();
    source = connectDiscovery({
      address: `127.0.0.1:${await closedPort()}`,
      node: { workload: 'w', namespace: 'demo', serviceAccount: 'w' },
      logger: pino({ level: 'silent' }),
      clock,
      random: seededRandom(1),
      backoff: { baseMs: 100, maxMs: 400 },
      registry,
    });
    const s = source;
    // Attempt n waits between cap/2 and cap, cap = min(400, 100 × 2^n).
    for (const cap of [100, 200, 400, 400]) {
      const before = s.stats().reconnects;
      await waitFor(() => clock.pendingTimers() === 1, 'the stream to fail and a retry to be scheduled');
      clock.advance(cap / 2 - 1);
      expect(s.stats().reconnects).toBe(before);
      clock.advance(cap / 2 + 1);
      expect(s.stats().reconnects).toBe(before + 1);
    }
    expect(s.current()).toBeUndefined();
    expect(await registry.getSingleMetricAsString('weft_discovery_reconnects_total')).toMatch(/ 4$/);
    await s.close();
    await expect(s.ready()).rejects.toThrow(/closed before the first snapshot/);
    expect(clock.pendingTimers()).toBe(0);
  });
});

const snapshot = (version: string, workload = 'w'): ProxySnapshot => ({
  version,
  workload: {
    name: workload,
    namespace: 'demo',
    serviceAccount: 'w',
    identity: 'spiffe://cluster.local/ns/demo/sa/w',
  },
  services: {},
});
const response = (nonce: string, s: ProxySnapshot | string): SnapshotResponseMessage => ({
  version: typeof s === 'string' ? 'v?' : s.version,
  nonce,
  snapshotJson: Buffer.from(typeof s === 'string' ? s : JSON.stringify(s)),
});

// A scripted control plane: answers the first request with each response in turn, one per
// request it receives (on each stream), and records every request; on `port` if given.
const fakeControlPlane = async (responses: SnapshotResponseMessage[], port = 0) => {
  const requests: SnapshotRequestMessage[] = [];
  const server = new grpc.Server();
  server.addService(discoveryService, {
    StreamSnapshots: (call: ServerDiscoveryStream) => {
      let next = 0;
      call.on('data', (req: SnapshotRequestMessage) => {
        requests.push(req);
        const res = responses[next++];
        if (res) call.write(res);
      });
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { address: `127.0.0.1:${bound}`, requests, close: () => server.forceShutdown() };
};

describe('connectDiscovery after a long outage', () => {
  // grpc-js keeps its own reconnect back-off per channel (1 s × 1.6ⁿ, up to 120 s) and fails
  // calls fast while it runs: reusing one channel let a sidecar stay away for seconds after the
  // control plane was back, past the control plane's start-up grace (a CI failure). Each
  // reconnect now gets a fresh channel, so only weft's own capped back-off decides.
  it("is back within its own back-off cap of the control plane returning, not grpc-js's", async () => {
    const port = await closedPort();
    const serve = () => fakeControlPlane([response('1', snapshot('v1'))], port);
    let server = await serve();
    source = connectDiscovery({
      address: `127.0.0.1:${port}`,
      node: { workload: 'w', namespace: 'demo', serviceAccount: 'w' },
      logger: pino({ level: 'silent' }),
      backoff: { baseMs: 20, maxMs: 100 },
    });
    const s = source;
    await s.ready();
    server.close();
    await waitFor(() => !s.stats().connected, 'the outage to be noticed');
    // Long enough for grpc-js's channel back-off to reach 2.56 s (attempts at 0, 1, 2.6 s).
    await new Promise((r) => setTimeout(r, 3_500));
    const reconnectsBefore = s.stats().reconnects;
    server = await serve();
    const back = Date.now();
    await waitFor(() => s.stats().connected, 'the stream to be back');
    const awayMs = Date.now() - back;
    server.close();
    // The cap is 100 ms; 1 s leaves room for a loaded machine yet is well under the 1.6 s a
    // reused channel waited at the least here.
    expect(awayMs).toBeLessThan(1_000);
    expect(s.stats().reconnects).toBeGreaterThan(reconnectsBefore);
  }, 15_000);
});

describe('connectDiscovery speaks the ACK/NACK protocol', () => {
  it('ACKs a good snapshot, NACKs bad ones with their issues, and keeps the last good one', async () => {
    const cp = await fakeControlPlane([
      response('1', snapshot('v1')),
      response('2', '{not json'),
      response('3', snapshot('v3', 'someone-else')),
      response('4', snapshot('v4')),
    ]);
    const seen: string[] = [];
    source = connectDiscovery({
      address: cp.address,
      node: {
        workload: 'w',
        namespace: 'demo',
        serviceAccount: 'w',
        service: 'web',
        inbound: { host: '127.0.0.1', port: 4000 },
      },
      logger: pino({ level: 'silent' }),
    });
    source.subscribe((s) => seen.push(s.version));
    await waitFor(() => cp.requests.length === 5, 'four answers');
    const [hello, ack1, nack2, nack3, ack4] = cp.requests;
    expect(hello?.node).toMatchObject({
      workload: 'w',
      namespace: 'demo',
      service: 'web',
      inboundAddress: '127.0.0.1:4000',
      protocolVersion: 1,
    });
    expect(ack1).toMatchObject({ versionInfo: 'v1', responseNonce: '1', errorDetail: null });
    expect(nack2).toMatchObject({ versionInfo: 'v1', responseNonce: '2' });
    expect(nack2?.errorDetail?.issues[0]?.path).toBe('snapshot_json');
    expect(nack3?.errorDetail?.issues).toEqual([
      { path: 'snapshot.workload', message: 'is for demo/someone-else, not for this sidecar (demo/w)' },
    ]);
    expect(ack4).toMatchObject({ versionInfo: 'v4', responseNonce: '4', errorDetail: null });
    expect(seen).toEqual(['v1', 'v4']);
    expect(source.stats()).toMatchObject({ accepted: 2, rejected: 2 });
    cp.close();
  });

  it('announces deltas and gzip, applies a delta to the snapshot it runs, and NACKs one with another base', async () => {
    const web = {
      name: 'web',
      namespace: 'demo',
      hosts: ['web'],
      ports: [{ port: 80, targetPort: 8080, protocol: 'http' as const }],
      endpoints: [],
    };
    const v1 = { ...snapshot('v1'), services: { 'demo/web': web } };
    // v2 keeps web (the same object, so the delta leaves it out) and adds api.
    const v2 = { ...snapshot('v2'), services: { 'demo/web': web, 'demo/api': { ...web, name: 'api' } } };
    const delta = (nonce: string, base: string): SnapshotResponseMessage => ({
      ...toWire(v2, { ...v1, version: base }),
      nonce,
    });
    // The first one whole and gzip-encoded, as the control plane sends it to this sidecar.
    const first = { ...toWire(v1, undefined, { gzip: true }), nonce: '1' };
    const cp = await fakeControlPlane([first, delta('2', 'v0'), delta('3', 'v1')]);
    const seen: ProxySnapshot[] = [];
    source = connectDiscovery({
      address: cp.address,
      node: { workload: 'w', namespace: 'demo', serviceAccount: 'w' },
      logger: pino({ level: 'silent' }),
    });
    source.subscribe((s) => seen.push(s));
    await waitFor(() => cp.requests.length === 4, 'three answers');
    const [hello, , nack, ack] = cp.requests;
    expect(hello?.node).toMatchObject({ acceptsDelta: true, acceptsGzip: true });
    expect(nack).toMatchObject({ versionInfo: 'v1', responseNonce: '2' });
    expect(nack?.errorDetail?.issues[0]?.path).toBe('base_version');
    expect(ack).toMatchObject({ versionInfo: 'v2', responseNonce: '3', errorDetail: null });
    expect(Object.keys(seen.at(-1)?.services ?? {}).sort()).toEqual(['demo/api', 'demo/web']);
    cp.close();
  });
});
