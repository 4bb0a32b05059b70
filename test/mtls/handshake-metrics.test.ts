// weft_tls_handshake_failures_total counts failed mesh handshakes on the side that sees them:
// the client sidecar (outbound) when the server's certificate is untrusted or names another
// identity, the server sidecar (inbound) when the client's certificate is untrusted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { makePki, spiffe, type TestPki } from '../helpers/certs.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { startPair } from '../helpers/mesh.ts';
import { metricValue } from '../helpers/metrics.ts';
import type { RunningProxy } from '../../proxy/runtime.ts';

const failures = async (p: RunningProxy, direction: string, code?: string): Promise<number> =>
  metricValue(await p.metricsRegistry.metrics(), 'weft_tls_handshake_failures_total', {
    direction,
    ...(code ? { code } : {}),
  });

describe('handshake failure metrics', () => {
  let pki: TestPki;
  let app: App;
  beforeAll(async () => {
    pki = makePki();
    app = await startH1Echo('hs');
  });
  afterAll(async () => {
    await app.close();
    pki.dispose();
  });

  it.each([
    [
      'server certificate from an untrusted CA',
      'other',
      spiffe('hs-server'),
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ],
    [
      'server certificate naming another identity',
      'mesh',
      spiffe('someone-else'),
      'WEFT_PEER_IDENTITY_MISMATCH',
    ],
  ] as const)('counts outbound: %s', async (_name, serverCa, expected, code) => {
    const pair = await startPair('hs', app.port, {
      identity: expected,
      server: { tls: pki.material('hs-server', serverCa), inboundMode: 'STRICT' },
      client: { tls: pki.material('hs-client') },
    });
    try {
      const r = await h1Call(pair.client.proxy.ports.outbound, { authority: 'hs' });
      expect(r.status).toBeGreaterThanOrEqual(500);
      expect(await failures(pair.client.proxy, 'outbound', code)).toBeGreaterThanOrEqual(1);
      expect(app.requests).toBe(0);
    } finally {
      await pair.close();
    }
  });

  it('counts inbound: client certificate from an untrusted CA; a good pair counts nothing', async () => {
    const bad = await startPair('hs', app.port, {
      server: { tls: pki.material('hs-server'), inboundMode: 'STRICT' },
      client: { tls: pki.material('hs-client', 'other') },
    });
    try {
      const r = await h1Call(bad.client.proxy.ports.outbound, { authority: 'hs' });
      expect(r.status).toBeGreaterThanOrEqual(500);
      expect(await failures(bad.server.proxy, 'inbound')).toBeGreaterThanOrEqual(1);
    } finally {
      await bad.close();
    }
    const good = await startPair('hs', app.port, {
      identity: spiffe('hs-server'),
      server: { tls: pki.material('hs-server'), inboundMode: 'STRICT' },
      client: { tls: pki.material('hs-client') },
    });
    try {
      expect((await h1Call(good.client.proxy.ports.outbound, { authority: 'hs' })).status).toBe(200);
      expect(await failures(good.server.proxy, 'inbound')).toBe(0);
      expect(await failures(good.client.proxy, 'outbound')).toBe(0);
    } finally {
      await good.close();
    }
  });
});
