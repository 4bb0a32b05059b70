// Real @grpc/grpc-js clients and servers on both ends of a sidecar pair over mesh mTLS (h2 on
// every hop): every call shape, large messages, many concurrent streams, deadlines, cancellation
// reaching the server, trailers-only errors, retries on UNAVAILABLE, grpc-status in the metrics,
// and an upstream that caps its concurrent streams (the sidecar opens more sessions to it).
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetryPolicyView } from '../../api/model/policy.ts';
import { makePki, spiffe, type TestPki } from '../helpers/certs.ts';
import {
  startStreamsApp,
  streamsClient,
  type Msg,
  type StreamsApp,
  type StreamsClient,
} from '../helpers/grpc-streams-app.ts';
import { bytes, sha256 } from '../helpers/http-clients.ts';
import { startPair, type Pair } from '../helpers/mesh.ts';

const RETRY_UNAVAILABLE: RetryPolicyView = {
  attempts: 2,
  retryOn: ['unavailable'],
  backoff: { baseMs: 1, maxMs: 5 },
  budget: { ratio: 1, minPerSecond: 100, windowMs: 10_000 },
  maxReplayBytes: 64 * 1024,
  retryNonIdempotent: false,
};

/** grpc-js client → client sidecar =mTLS h2=> server sidecar → grpc-js f.app, opened per describe block. */
const useStreamsPair = (name: string, serverOptions: grpc.ServerOptions = {}) => {
  const f = {} as { pki: TestPki; app: StreamsApp; pair: Pair; client: StreamsClient };
  beforeAll(async () => {
    f.pki = makePki();
    f.app = await startStreamsApp(serverOptions);
    f.pair = await startPair(name, f.app.port, {
      identity: spiffe(`${name}-server`),
      server: { tls: f.pki.material(`${name}-server`), inboundMode: 'STRICT' },
      client: { tls: f.pki.material(`${name}-client`) },
      service: {
        ports: [{ port: 80, targetPort: 8080, protocol: 'grpc' }],
        policy: { name: `demo/${name}`, retries: RETRY_UNAVAILABLE },
      },
    });
    f.client = streamsClient(f.pair.client.proxy.ports.outbound, name);
  });
  afterAll(async () => {
    f.client?.close();
    await f.pair?.close();
    await f.app?.close();
    f.pki?.dispose();
  });
  return f;
};

const unary = (c: StreamsClient, req: Partial<Msg>, opts: grpc.CallOptions = {}): Promise<Msg> =>
  new Promise((resolve, reject) =>
    c.unary(req, new grpc.Metadata(), opts, (e, r) => (e ? reject(e) : resolve(r as Msg))),
  );

const collect = (call: grpc.ClientReadableStream<Msg>): Promise<Msg[]> =>
  new Promise((resolve, reject) => {
    const out: Msg[] = [];
    call.on('data', (m: Msg) => out.push(m));
    call.once('error', reject);
    call.once('end', () => resolve(out));
  });

/** weft_requests_total summed over the series of one direction and grpc-status. */
const requestsWith = async (port: number, direction: string, grpcStatus: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (
      line.startsWith('weft_requests_total{') &&
      line.includes(`direction="${direction}"`) &&
      line.includes(`grpc_status="${grpcStatus}"`)
    )
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
};

describe('gRPC through a sidecar pair over mTLS (grpc-js on both ends)', () => {
  const f = useStreamsPair('streams');

  it('unary: an 8 MiB message goes up and comes back intact', async () => {
    const payload = bytes(8 << 20, 3);
    const r = await unary(f.client, { payload });
    expect(r.bytes).toBe(payload.length);
    expect(sha256(r.payload)).toBe(sha256(payload));
  });

  it('server streaming: 4 messages of 2 MiB, in order and intact', async () => {
    const msgs = await collect(f.client.download({ count: 4, size: 2 << 20 }));
    expect(msgs.map((m) => m.index)).toEqual([0, 1, 2, 3]);
    for (const m of msgs) expect(m.payload.equals(Buffer.alloc(2 << 20, m.index))).toBe(true);
  });

  it('client streaming: 200 messages arrive, the answer counts them', async () => {
    const answer = new Promise<Msg>((resolve, reject) => {
      const call = f.client.upload((e, r) => (e ? reject(e) : resolve(r as Msg)));
      for (let i = 0; i < 200; i++) call.write({ payload: Buffer.alloc(10_000, i % 251), index: i });
      call.end();
    });
    const r = await answer;
    expect(r.count).toBe(200);
    expect(r.bytes).toBe(200 * 10_000);
  });

  it('bidi streaming: each message is echoed before the next is sent (no buffering to the end)', async () => {
    const call = f.client.chat();
    const replies: Msg[] = [];
    const next = (): Promise<Msg> => new Promise((resolve) => call.once('data', resolve));
    for (let i = 0; i < 20; i++) {
      const reply = next();
      call.write({ index: i, payload: Buffer.alloc(1000 + i) });
      replies.push(await reply);
    }
    call.end();
    await new Promise((r) => call.once('end', r));
    expect(replies.map((m) => [m.index, m.bytes])).toEqual([...Array(20).keys()].map((i) => [i, 1000 + i]));
  });

  it('500 concurrent unary calls all succeed on the shared session', async () => {
    const calls = Array.from({ length: 500 }, (_, i) =>
      unary(f.client, { index: i, payload: Buffer.alloc(64, i % 251) }),
    );
    const replies = await Promise.all(calls);
    expect(replies.map((r) => r.index)).toEqual([...Array(500).keys()]);
  });

  it('a deadline ends the call with DEADLINE_EXCEEDED and the server sees it cancelled', async () => {
    const cancelled = f.app.nextCancel();
    const err = await unary(f.client, { hold_ms: 10_000 }, { deadline: Date.now() + 300 }).catch(
      (e: grpc.ServiceError) => e,
    );
    expect(err).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    await cancelled;
  });

  it('a client that cancels a stream: the cancellation reaches the server', async () => {
    const before = f.app.cancelled;
    const cancelled = f.app.nextCancel();
    const call = f.client.download({ count: 1_000, size: 100, hold_ms: 20 });
    await new Promise((r) => call.once('data', r));
    call.on('error', () => undefined); // CANCELLED, by us
    call.cancel();
    await cancelled;
    expect(f.app.cancelled).toBe(before + 1);
  });

  it('an unknown service gets a trailers-only UNIMPLEMENTED from the client sidecar', async () => {
    const stray = streamsClient(f.pair.client.proxy.ports.outbound, 'nowhere');
    try {
      const err = await unary(stray, {}).catch((e: grpc.ServiceError) => e);
      expect(err).toMatchObject({ code: grpc.status.UNIMPLEMENTED });
      expect((err as grpc.ServiceError).metadata.get('x-weft-error')).toEqual(['NO_ROUTE']);
    } finally {
      stray.close();
    }
  });

  it('UNAVAILABLE (trailers-only from the f.app) is retried per the policy; grpc-status reaches the metrics', async () => {
    const outbound = f.pair.client.proxy.ports.metrics;
    const inbound = f.pair.server.proxy.ports.metrics;
    const before = {
      started: f.app.started.unary ?? 0,
      outOk: await requestsWith(outbound, 'outbound', '0'),
      outUnavailable: await requestsWith(outbound, 'outbound', '14'),
      inUnavailable: await requestsWith(inbound, 'inbound', '14'),
    };
    const r = await unary(f.client, { fail_first: 'retry-me', index: 7 });
    expect(r.index).toBe(7);
    expect((f.app.started.unary ?? 0) - before.started).toBe(2);
    // The server sidecar passed the first try's 14 on; the client sidecar retried and its caller got 0.
    expect(await requestsWith(inbound, 'inbound', '14')).toBe(before.inUnavailable + 1);
    expect(await requestsWith(outbound, 'outbound', '0')).toBe(before.outOk + 1);
    expect(await requestsWith(outbound, 'outbound', '14')).toBe(before.outUnavailable);
  });
});

describe('an upstream that allows 2 concurrent streams per connection', () => {
  const f = useStreamsPair('capped', { 'grpc.max_concurrent_streams': 2 });

  it('gets 6 calls at once: the sidecar opens more sessions instead of queueing behind the cap', async () => {
    // Each call is answered only once 6 are in flight at the app: queued streams would never get there.
    const calls = Array.from({ length: 6 }, (_, i) =>
      unary(f.client, { index: i, barrier: 6 }, { deadline: Date.now() + 10_000 }),
    );
    const replies = await Promise.all(calls);
    expect(replies.map((r) => r.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(f.app.maxInFlight).toBe(6);
  });
});
