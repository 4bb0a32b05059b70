// Sidecar certificate rotation on a ManualClock against a real gRPC CA: renewal fires at the
// computed ~70 % ± jitter instant (not a millisecond earlier), a CA that is down is retried with
// growing back-off until it is back, and new handshakes get the new certificate while a
// connection opened before the rotation keeps working.
import { X509Certificate } from 'node:crypto';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, seededRandom } from '../../api/runtime/clock.ts';
import { createCa, type CertificateAuthority } from '../../control-plane/identity/ca.ts';
import { createLocalTokenValidator, issueLocalToken } from '../../control-plane/identity/local-token.ts';
import { grpcCaSigner, type CaSigner } from '../../proxy/identity/ca-client.ts';
import { DEFAULT_RENEWAL, renewAt } from '../../proxy/identity/renewal.ts';
import { startIdentity, type SidecarIdentity } from '../../proxy/identity/start-identity.ts';
import { capturedLogger, serveCa, spiffe, type ServedCa } from './fixtures.ts';

const DAY = 86_400_000;
const key = new Uint8Array(32).fill(5);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  clock: ManualClock;
  ca: CertificateAuthority;
  served: ServedCa;
  identity: SidecarIdentity;
  calls: () => number;
  lines: Record<string, unknown>[];
}

const rig = async (seed: number): Promise<Rig> => {
  // Wall time starts now: the handshake test needs certificates valid in real time.
  const clock = new ManualClock(Date.now());
  const ca = await createCa({ clock, workloadTtlMs: DAY });
  const validator = createLocalTokenValidator({ key, clock });
  const served = await serveCa(ca, validator);
  const rigState = { served };
  let calls = 0;
  // Counts attempts; each attempt dials the CA's current address (a restarted CA keeps its port).
  const signer: CaSigner = {
    sign: (req) => {
      calls += 1;
      return grpcCaSigner({ address: rigState.served.address, timeoutMs: 5000 }).sign(req);
    },
  };
  const { logger, lines } = await capturedLogger();
  const identity = startIdentity({
    signer,
    identity: spiffe('demo', 'web'),
    token: issueLocalToken({ key, namespace: 'demo', serviceAccount: 'web', clock, ttlMs: 30 * DAY }),
    clock,
    random: seededRandom(seed),
    logger,
  });
  cleanups.push(
    () => rigState.served.close(),
    () => identity.close(),
  );
  await identity.ready();
  return {
    clock,
    ca,
    get served() {
      return rigState.served;
    },
    set served(s: ServedCa) {
      rigState.served = s;
    },
    identity,
    calls: () => calls,
    lines,
  };
};

const leafSerial = (id: SidecarIdentity): string =>
  new X509Certificate(id.certificateChain()[0] as string).serialNumber;

describe('sidecar certificate rotation', () => {
  it('renews exactly at the jittered ~70 % instant, and the new certificate is served', async () => {
    const r = await rig(42);
    const t0 = r.clock.wallNow();
    const firstNotAfter = r.identity.expiresAt() as number;
    expect(firstNotAfter).toBe(t0 + DAY);
    // The same seeded draw the identity made after its first certificate.
    const due = renewAt(t0, firstNotAfter, seededRandom(42));
    expect(due - t0).toBeGreaterThanOrEqual(DAY * (DEFAULT_RENEWAL.fraction - DEFAULT_RENEWAL.jitter));
    expect(due - t0).toBeLessThanOrEqual(DAY * (DEFAULT_RENEWAL.fraction + DEFAULT_RENEWAL.jitter));
    const oldSerial = leafSerial(r.identity);
    const oldContext = r.identity.secureContext();

    // The renewal timer is the only pending timer; it fires exactly at `due`.
    r.clock.advance(due - t0 - 1);
    expect(r.clock.pendingTimers()).toBe(1);
    r.clock.advance(1);
    expect(r.clock.pendingTimers()).toBe(0);
    await vi.waitFor(() => expect(r.calls()).toBe(2));
    await vi.waitFor(() => expect(r.identity.expiresAt()).toBe(due + DAY));
    expect(leafSerial(r.identity)).not.toBe(oldSerial);
    expect(r.identity.secureContext()).not.toBe(oldContext);
  });

  it('retries with exponential back-off while the CA is down, then recovers', async () => {
    const r = await rig(7);
    const t0 = r.clock.wallNow();
    const port = Number(r.served.address.split(':')[1]);
    await r.served.close();
    r.clock.advance(renewAt(t0, t0 + DAY, seededRandom(7)) - t0);
    await vi.waitFor(() => expect(r.calls()).toBe(2));
    for (let failures = 1; failures <= 4; failures++) {
      // Wait for the failed call to come back and schedule its retry (real I/O, no sleeping).
      await vi.waitFor(() => expect(r.clock.pendingTimers()).toBe(1));
      const cap = DEFAULT_RENEWAL.backoffBaseMs * 2 ** (failures - 1);
      r.clock.advance(cap / 2 - 1);
      expect(r.clock.pendingTimers()).toBe(1); // not retried before half the cap
      r.clock.advance(cap / 2 + 1);
      expect(r.clock.pendingTimers()).toBe(0); // retried by the cap
      await vi.waitFor(() => expect(r.calls()).toBe(2 + failures));
    }
    const warnings = r.lines.filter((l) => l.msg === 'certificate request failed; retrying');
    await vi.waitFor(() =>
      expect(r.lines.filter((l) => l.msg === 'certificate request failed; retrying')).toHaveLength(5),
    );
    expect(
      warnings.map((w) => w.retryInMs as number).every((ms, i) => ms >= 500 * 2 ** i && ms <= 1000 * 2 ** i),
    ).toBe(true);

    r.served = await serveCa(r.ca, createLocalTokenValidator({ key, clock: r.clock }), port);
    await vi.waitFor(() => expect(r.clock.pendingTimers()).toBe(1));
    const before = r.identity.expiresAt();
    r.clock.advance(DEFAULT_RENEWAL.backoffBaseMs * 2 ** 5);
    await vi.waitFor(() => expect(r.identity.expiresAt()).toBeGreaterThan(before as number));
    expect(r.identity.expiresAt()).toBe(r.clock.wallNow() + DAY);
  });

  it('new handshakes use the new certificate while an open connection keeps working', async () => {
    const r = await rig(3);
    const server = createServer(
      { SNICallback: (_n, cb) => cb(null, r.identity.secureContext()), minVersion: 'TLSv1.3' },
      (s: TLSSocket) => s.on('error', () => undefined).pipe(s),
    );
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    cleanups.push(() => new Promise((done) => server.close(done)));
    const port = (server.address() as { port: number }).port;
    const open = async () => {
      const c = connect({
        host: '127.0.0.1',
        port,
        servername: 'web.demo',
        ca: r.identity.trustBundle().slice(),
        checkServerIdentity: () => undefined,
      });
      await new Promise((done) => c.once('secureConnect', done));
      cleanups.push(() => c.destroy());
      return c;
    };
    const echo = (c: TLSSocket, text: string) =>
      new Promise<string>((done) => {
        c.once('data', (d: Buffer) => done(d.toString()));
        c.write(text);
      });

    const old = await open();
    const oldSerial = old.getPeerCertificate().serialNumber;
    expect(oldSerial).toBe(leafSerial(r.identity));
    r.identity.renewNow();
    await vi.waitFor(() => expect(leafSerial(r.identity)).not.toBe(oldSerial));

    const fresh = await open();
    expect(fresh.getPeerCertificate().serialNumber).toBe(leafSerial(r.identity));
    expect(await echo(old, 'still here')).toBe('still here');
    expect(old.getPeerCertificate().serialNumber).toBe(oldSerial);
  });
});
