import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { createCa } from './ca.ts';
import { servingIdentity, type ServingIdentity } from './serving-cert.ts';

const logger = pino({ level: 'silent' });
let server: grpc.Server | undefined;
let serving: ServingIdentity | undefined;
afterEach(() => {
  server?.forceShutdown();
  serving?.close();
});

/** The serial number of the certificate a TLS handshake with the port shows right now. */
const servedSerial = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.destroy();
    });
    s.once('error', reject);
  });

const waitFor = async (cond: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('servingIdentity', () => {
  it('renews at half its lifetime, and the bound listener serves the new certificate', async () => {
    // The CA signs on the manual wall clock; keys and signing are real (not timed by the clock).
    const clock = new ManualClock();
    const ca = await createCa({ trustDomain: 'td', workloadTtlMs: 600_000, skewMs: 0, clock });
    serving = await servingIdentity({
      ca,
      identity: { namespace: 'weft-system', serviceAccount: 'weft-control-plane' },
      dnsNames: ['weft-control-plane.weft-system.svc'],
      clock,
      logger,
    });
    const first = serving.current();
    expect(first.notAfterMs - clock.wallNow()).toBe(600_000);
    server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync('127.0.0.1:0', serving!.credentials, (e, p) => (e ? reject(e) : resolve(p))),
    );
    const serialOf = (pem: string | undefined) => new X509Certificate(pem ?? '').serialNumber;
    expect(await servedSerial(port)).toBe(serialOf(first.certChainPem[0]));

    clock.advance(299_999);
    expect(serving.current()).toBe(first);
    clock.advance(1);
    await waitFor(() => serving!.current() !== first);
    const second = serving.current();
    expect(second.notAfterMs).toBe(first.notAfterMs + 300_000);
    expect(await servedSerial(port)).toBe(serialOf(second.certChainPem[0]));
  });
});
