// The local-mesh checks on the broken cases a live mesh rarely shows on demand: a NACK, a
// snapshot not acknowledged, a certificate past its renewal point or expired, no stream.
import { describe, expect, it } from 'vitest';
import type { SidecarStatus } from '../../control-plane/runtime.ts';
import type { CertReport, CertificateInfo } from '../../proxy/admin/cert-report.ts';
import type { WorkloadState } from '../mesh-view/dev-state.ts';
import { sidecarChecks, type SidecarFacts } from './local-checks.ts';

const workload = { name: 'web', adminPort: 1 } as WorkloadState;
const HOUR = 3600;

/** A leaf valid for 24 h with `left` seconds to go. */
const leaf = (left: number): CertificateInfo => {
  const notAfter = Date.parse('2026-12-08T12:00:00Z');
  return {
    subject: '',
    issuer: 'O=weft',
    spiffeIds: ['spiffe://cluster.local/ns/demo/sa/web'],
    serialNumber: '01',
    notBefore: new Date(notAfter - 24 * HOUR * 1000).toISOString(),
    notAfter: new Date(notAfter).toISOString(),
    expiresInSeconds: left,
    fingerprint256: '',
  };
};
const certs = (left: number): SidecarFacts['certs'] => ({
  ok: true,
  value: {
    mtls: true,
    identity: 'spiffe://cluster.local/ns/demo/sa/web',
    chain: [leaf(left)],
    roots: [],
  } satisfies CertReport,
});
const acked: SidecarStatus = { workload: 'demo/web', sentVersion: 'v2', ackedVersion: 'v2' };
const facts = (over: Partial<SidecarFacts>): SidecarFacts => ({
  workload,
  status: acked,
  certs: certs(20 * HOUR),
  version: { ok: true, value: { version: '0.1.0' } },
  ...over,
});
const statusOf = (f: SidecarFacts, name: string) => sidecarChecks(f, '0.1.0').find((r) => r.name === name);

describe('sidecar checks', () => {
  it('pass for a connected sidecar on the sent snapshot with a fresh certificate', () => {
    expect(sidecarChecks(facts({}), '0.1.0').map((r) => r.status)).toEqual(['pass', 'pass', 'pass']);
  });

  it('fail a sidecar that rejected the current snapshot, with its reason and what it still runs', () => {
    const r = statusOf(
      facts({
        status: {
          ...acked,
          ackedVersion: 'v1',
          lastNack: { version: 'v2', message: 'route web: bad regex', issues: [], atMs: 0 },
        },
      }),
      'sidecar is on the current snapshot',
    );
    expect(r?.status).toBe('fail');
    expect(r?.detail).toBe('rejected v2: route web: bad regex');
    expect(r?.hint).toMatch(/keeps running v1; fix the configuration it rejects/);
  });

  it('fail a sidecar that has not acknowledged what was sent', () => {
    const r = statusOf(
      facts({ status: { ...acked, ackedVersion: 'v1' } }),
      'sidecar is on the current snapshot',
    );
    expect([r?.status, r?.detail]).toEqual(['fail', 'runs v1, sent v2 is not acknowledged']);
    expect(r?.hint).toMatch(/stuck or overloaded/);
  });

  it('fail a sidecar the control plane has no stream from (and skip its snapshot check)', () => {
    const { status: _s, ...disconnected } = facts({});
    const results = sidecarChecks(disconnected, '0.1.0');
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['sidecar is connected to the control plane', 'fail'],
      ['certificate is valid and not near expiry', 'pass'],
    ]);
  });

  it.each([
    ['past the renewal point', 4 * HOUR, /renewal is overdue/],
    ['expired', -60, /renewal failed/],
  ])('fail a certificate %s with a hint about the CA', (_name, left, hint) => {
    const r = statusOf(facts({ certs: certs(left) }), 'certificate is valid and not near expiry');
    expect(r?.status).toBe('fail');
    expect(r?.hint).toMatch(hint);
  });

  it('pass a certificate just before its renewal point (30 % left)', () => {
    expect(
      statusOf(facts({ certs: certs(7.2 * HOUR) }), 'certificate is valid and not near expiry')?.status,
    ).toBe('pass');
  });

  it('warn on version skew and on a sidecar without a certificate', () => {
    const skew = sidecarChecks(facts({ version: { ok: true, value: { version: '0.2.0' } } }), '0.1.0');
    expect(skew.find((r) => r.status === 'warn')?.detail).toBe('sidecar 0.2.0, control plane 0.1.0');
    const plain = statusOf(
      facts({ certs: { ok: true, value: { mtls: false, chain: [], roots: [] } } }),
      'certificate is valid and not near expiry',
    );
    expect([plain?.status, plain?.hint]).toEqual(['warn', 'start the sidecar with --token-file']);
  });
});
