// Connect and TLS-handshake deadlines of upstream hops, against endpoints that never answer (a
// listener whose backlog is full, a TCP server that never answers the ClientHello), timed by a
// manual clock: a deadline fires when the clock passes it, not a millisecond before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { CONNECTION_DEFAULTS, type ConnectionView } from '../../api/model/policy.ts';
import type { Endpoint } from '../../api/model/snapshot.ts';
import { ManualClock } from '../../api/runtime/clock.ts';
import { tcpBlackhole, tlsBlackhole, type Blackhole } from '../../test/helpers/blackhole.ts';
import { makePki, spiffe, type TestPki } from '../../test/helpers/certs.ts';
import { isMeshError } from '../stack/errors.ts';
import type { MeshRequest } from '../stack/types.ts';
import type { DialPhase } from './dial-deadline.ts';
import { upstreamTransport, type Transport } from './upstream.ts';

const request = (protocol: 'http1' | 'h2' = 'http1'): MeshRequest => ({
  protocol,
  method: 'GET',
  authority: 'catalog',
  path: '/',
  headers: {},
  body: null,
});

/** Lets socket events and the deadline's setImmediate run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

interface Probe {
  readonly settled: () => boolean;
  readonly error: () => Promise<unknown>;
}
const probe = (p: Promise<unknown>): Probe => {
  let done = false;
  const caught = p.then(
    () => new Error('expected a failure, got a response'),
    (e: unknown) => e,
  );
  void caught.then(() => (done = true));
  return { settled: () => done, error: () => caught };
};

const setup = (tls?: ReturnType<TestPki['material']>) => {
  const clock = new ManualClock();
  const timedOut: DialPhase[] = [];
  const transport: Transport = upstreamTransport({
    logger: pino({ level: 'silent' }),
    clock,
    dialEvents: { timedOut: (p) => void timedOut.push(p) },
    ...(tls ? { tls } : {}),
  });
  return { clock, timedOut, transport };
};

describe('connect deadline (a listener whose backlog is full drops our SYNs)', () => {
  let hole: Blackhole;
  let endpoint: Endpoint;
  beforeAll(async () => {
    hole = await tcpBlackhole();
    endpoint = { address: '127.0.0.1', port: hole.port };
  });
  afterAll(() => hole.close());

  for (const protocol of ['http1', 'h2'] as const) {
    it(`fails a ${protocol} request with CONNECT_FAILED when the connect deadline passes`, async () => {
      const { clock, timedOut, transport } = setup();
      const p = probe(transport.send(request(protocol), endpoint, new AbortController().signal));
      await settle();
      clock.advance(CONNECTION_DEFAULTS.connectTimeoutMs - 1);
      await settle();
      expect(p.settled()).toBe(false);
      clock.advance(1);
      const err = await p.error();
      expect(isMeshError(err) && err.code).toBe('CONNECT_FAILED');
      expect((err as Error).message).toContain(`connect to 127.0.0.1:${hole.port} timed out after 1000 ms`);
      expect(timedOut).toEqual(['connect']);
      await transport.close();
    });
  }

  it("takes the deadline from the request's connection policy, and fails waiting requests with it", async () => {
    const { clock, timedOut, transport } = setup();
    const c: ConnectionView = {
      ...CONNECTION_DEFAULTS,
      connectTimeoutMs: 250,
      maxConnectionsPerEndpoint: 1,
      maxPendingRequestsPerEndpoint: 4,
    };
    const signal = new AbortController().signal;
    // One request dials, two wait for its connection: when it cannot be made, all three fail
    // then (as Envoy purges pending requests) rather than dialling the same endpoint in turn.
    const probes = [1, 2, 3].map(() => probe(transport.send(request(), endpoint, signal, c)));
    await settle();
    clock.advance(250);
    const errors = await Promise.all(probes.map((x) => x.error()));
    expect(errors.map((e) => isMeshError(e) && e.code)).toEqual([
      'CONNECT_FAILED',
      'CONNECT_FAILED',
      'CONNECT_FAILED',
    ]);
    expect(timedOut).toEqual(['connect']);
    await transport.close();
  });
});

describe('TLS handshake deadline (a peer that never answers the ClientHello)', () => {
  let pki: TestPki;
  let hole: Awaited<ReturnType<typeof tlsBlackhole>>;
  beforeAll(async () => {
    pki = makePki();
    hole = await tlsBlackhole();
  });
  afterAll(async () => {
    await hole.close();
    pki.dispose();
  });

  it('fails with CONNECT_FAILED once the handshake deadline passes after the TCP connect', async () => {
    const { clock, timedOut, transport } = setup(pki.material('frontend'));
    const endpoint = { address: '127.0.0.1', port: hole.port, identity: spiffe('catalog') };
    const before = hole.accepted();
    const p = probe(transport.send(request(), endpoint, new AbortController().signal));
    for (let i = 0; i < 200 && hole.accepted() === before; i++) await new Promise((r) => setTimeout(r, 5));
    expect(hole.accepted()).toBe(before + 1); // TCP is up: only the handshake is missing
    await settle();
    clock.advance(CONNECTION_DEFAULTS.handshakeTimeoutMs - 1);
    await settle();
    expect(p.settled()).toBe(false);
    clock.advance(1);
    const err = await p.error();
    expect(isMeshError(err) && err.code).toBe('CONNECT_FAILED');
    expect((err as Error).message).toContain(
      `TLS handshake with 127.0.0.1:${hole.port} timed out after 3000 ms`,
    );
    expect(timedOut).toEqual(['handshake']);
    await transport.close();
  });
});
