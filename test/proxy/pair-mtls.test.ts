// The sidecar pair over mTLS with certificates made by openssl in the test: HTTP/1.1 and h2
// (gRPC) work, the server's SPIFFE ID is pinned, the peer's identity reaches inbound layers,
// STRICT refuses plaintext and certificates from an untrusted CA, PERMISSIVE takes both.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Layer } from '../../proxy/stack/types.ts';
import { grpcEchoClient, startGrpcEcho, startH1Echo, type App, type EchoReply } from '../helpers/apps.ts';
import { makePki, spiffe, type TestPki } from '../helpers/certs.ts';
import { bytes, chunked, h1Call, sha256 } from '../helpers/http-clients.ts';
import { startPair } from '../helpers/mesh.ts';

/** An inbound layer that records who called, as authz will see it. */
const recorder =
  (seen: (string | undefined)[]): (() => Layer[]) =>
  () => [
    (next) => (req, ctx) => {
      seen.push(ctx.sourceIdentity);
      return next(req, ctx);
    },
  ];

describe('sidecar pair over mTLS', () => {
  let pki: TestPki;
  let app: App;
  beforeAll(async () => {
    pki = makePki();
    app = await startH1Echo('secure');
  });
  afterAll(async () => {
    await app.close();
    pki.dispose();
  });

  it('carries HTTP/1.1 and reports the caller’s verified identity inbound', async () => {
    const seen: (string | undefined)[] = [];
    const pair = await startPair('secure', app.port, {
      identity: spiffe('secure-server'),
      server: { tls: pki.material('secure-server'), inboundMode: 'STRICT', inboundLayers: recorder(seen) },
      client: { tls: pki.material('secure-client') },
    });
    try {
      const data = bytes(2 * 1024 * 1024, 11);
      const r = await h1Call(pair.client.proxy.ports.outbound, { authority: 'secure', body: chunked(data) });
      expect(r.status).toBe(200);
      expect(sha256(r.body)).toBe(sha256(data));
      await h1Call(pair.client.proxy.ports.outbound, { authority: 'secure' });
      expect(seen).toEqual([spiffe('secure-client'), spiffe('secure-client')]);
    } finally {
      await pair.close();
    }
  });

  it('uses a rotated certificate for new connections while pooled ones carry on', async () => {
    const seen: (string | undefined)[] = [];
    const first = pki.material('rotor-a');
    const second = pki.material('rotor-b');
    let current = first;
    const rotating = {
      secureContext: () => current.secureContext(),
      credentials: () => current.credentials(),
      identity: () => current.identity(),
    };
    const pair = await startPair('secure', app.port, {
      server: { tls: pki.material('secure-server'), inboundMode: 'STRICT', inboundLayers: recorder(seen) },
      client: { tls: rotating },
    });
    try {
      const port = pair.client.proxy.ports.outbound;
      await h1Call(port, { authority: 'secure' });
      current = second;
      await h1Call(port, { authority: 'secure' }); // same pooled connection: still the old certificate
      // Pinning the server identity changes the pool key, so the next request opens a new connection.
      const snap = pair.client.source.current()!;
      const svc = snap.services['demo/secure']!;
      pair.client.source.replace({
        ...snap,
        version: `${snap.version}-pinned`,
        services: {
          'demo/secure': {
            ...svc,
            endpoints: svc.endpoints.map((e) => ({ ...e, identity: spiffe('secure-server') })),
          },
        },
      });
      await h1Call(port, { authority: 'secure' });
      expect(seen).toEqual([spiffe('rotor-a'), spiffe('rotor-a'), spiffe('rotor-b')]);
    } finally {
      await pair.close();
    }
  });

  it('carries gRPC over h2 with ALPN, with the caller identity read from the h2 session', async () => {
    const seen: (string | undefined)[] = [];
    const grpcApp = await startGrpcEcho('g');
    const pair = await startPair('g', grpcApp.port, {
      identity: spiffe('g-server'),
      server: { tls: pki.material('g-server'), inboundMode: 'STRICT', inboundLayers: recorder(seen) },
      client: { tls: pki.material('g-client') },
    });
    const client = grpcEchoClient(pair.client.proxy.ports.outbound, 'g');
    try {
      const r = await new Promise<EchoReply>((resolve, reject) =>
        client.say({ text: 'tls' }, new grpc.Metadata(), (e, v) => (e ? reject(e) : resolve(v as EchoReply))),
      );
      expect(r.text).toBe('g:tls');
      expect(seen).toEqual([spiffe('g-client')]);
    } finally {
      client.close();
      await pair.close();
      await grpcApp.close();
    }
  });

  it('fails with PEER_IDENTITY_MISMATCH when the server is not who the snapshot says', async () => {
    const before = app.requests;
    const pair = await startPair('secure', app.port, {
      identity: spiffe('someone-else'),
      server: { tls: pki.material('secure-server'), inboundMode: 'STRICT' },
      client: { tls: pki.material('secure-client') },
    });
    try {
      const r = await h1Call(pair.client.proxy.ports.outbound, { authority: 'secure' });
      expect(r.status).toBe(503);
      expect(r.headers['x-weft-error']).toBe('PEER_IDENTITY_MISMATCH');
      expect(r.body.toString()).toContain(spiffe('someone-else'));
      expect(app.requests).toBe(before);
    } finally {
      await pair.close();
    }
  });

  it('refuses a peer that offers nothing newer than TLS 1.2', async () => {
    const before = app.requests;
    const pair = await startPair('secure', app.port, {
      server: { tls: pki.material('new-server'), inboundMode: 'STRICT' },
      client: { tls: pki.material('old-client', 'mesh', 'TLSv1.2') },
    });
    try {
      const r = await h1Call(pair.client.proxy.ports.outbound, { authority: 'secure' });
      expect([r.status, r.headers['x-weft-error']]).toEqual([503, 'CONNECT_FAILED']);
      expect(app.requests).toBe(before);
    } finally {
      await pair.close();
    }
  });

  it('STRICT refuses plaintext and untrusted certificates; PERMISSIVE takes plaintext too', async () => {
    const strict = await startPair('secure', app.port, {
      server: { tls: pki.material('secure-server'), inboundMode: 'STRICT' },
      client: { tls: pki.material('intruder', 'other') },
    });
    const permissive = await startPair('secure', app.port, {
      server: { tls: pki.material('secure-server'), inboundMode: 'PERMISSIVE' },
    });
    try {
      const before = app.requests;
      await expect(h1Call(strict.server.proxy.ports.inbound, { authority: 'secure' })).rejects.toThrow();
      const intruder = await h1Call(strict.client.proxy.ports.outbound, { authority: 'secure' });
      expect(intruder.status).toBeGreaterThanOrEqual(502);
      expect(['CONNECT_FAILED', 'UPSTREAM_RESET']).toContain(intruder.headers['x-weft-error']);
      expect(app.requests).toBe(before);
      const plain = await h1Call(permissive.client.proxy.ports.outbound, { authority: 'secure' });
      expect(plain.status).toBe(200);
      expect(app.requests).toBe(before + 1);
    } finally {
      await strict.close();
      await permissive.close();
    }
  });
});
