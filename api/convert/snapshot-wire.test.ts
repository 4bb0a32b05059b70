import { describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../model/snapshot.ts';
import { DISCOVERY_PROTOCOL_VERSION } from '../proto/discovery.ts';
import { nodeFromWire, nodeToWire } from './node.ts';
import { fromWire, toWire } from './snapshot-wire.ts';

const snapshot: ProxySnapshot = {
  version: 'abc',
  workload: {
    name: 'w',
    namespace: 'demo',
    serviceAccount: 'w',
    identity: 'spiffe://cluster.local/ns/demo/sa/w',
  },
  services: {
    'demo/web': {
      name: 'web',
      namespace: 'demo',
      hosts: ['web'],
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'http' }],
      endpoints: [{ address: '127.0.0.1', port: 1234, identity: 'spiffe://cluster.local/ns/demo/sa/web' }],
      split: {
        name: 'demo/s',
        backends: [{ service: 'demo/web', weight: 1 }],
        matches: [{ headers: { a: 'b' } }],
      },
      faults: [{ name: 'demo/f', abort: { httpStatus: 503, percent: 10 }, endsAtMs: 5 }],
    },
  },
};

describe('snapshot wire', () => {
  it('round-trips a snapshot', () => {
    expect(fromWire(toWire(snapshot))).toEqual({ ok: true, value: snapshot });
  });

  it('keeps fields it does not know (a newer control plane) instead of failing', () => {
    const newer = { ...snapshot, workload: { ...snapshot.workload, authz: { rules: [] } } };
    const r = fromWire({ version: 'abc', snapshotJson: Buffer.from(JSON.stringify(newer)) });
    expect(r.ok && (r.value.workload as unknown as { authz: unknown }).authz).toEqual({ rules: [] });
  });

  it.each([
    ['not JSON', Buffer.from('{'), 'snapshot_json'],
    [
      'negative weight',
      Buffer.from(
        JSON.stringify({
          ...snapshot,
          services: {
            'demo/web': {
              ...snapshot.services['demo/web'],
              split: { name: 's', backends: [{ service: 's', weight: -1 }] },
            },
          },
        }),
      ),
      'snapshot: services["demo/web"].split.backends[0].weight',
    ],
    ['missing workload', Buffer.from(JSON.stringify({ version: 'abc', services: {} })), 'snapshot: workload'],
    ['version mismatch', Buffer.from(JSON.stringify({ ...snapshot, version: 'zzz' })), 'snapshot.version'],
  ])('rejects %s with the path of the problem', (_name, bytes, path) => {
    const r = fromWire({ version: 'abc', snapshotJson: bytes });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.map((i) => i.path)).toContain(path);
  });
});

describe('node wire', () => {
  it('round-trips a node with an inbound address', () => {
    const node = {
      workload: 'w',
      namespace: 'demo',
      service: 'web',
      serviceAccount: 'sa',
      inbound: { host: '::1', port: 15006 },
    };
    // An IPv6 address is bracketed, or its colons would run into the port's.
    expect(nodeToWire(node).inboundAddress).toBe('[::1]:15006');
    expect(nodeFromWire(nodeToWire(node))).toEqual({ ok: true, value: node });
  });

  it.each(['10.214.0.3', 'fd00:214::3', 'db-0.local'])('round-trips inbound host %s', (host) => {
    const node = { workload: 'w', namespace: 'demo', serviceAccount: 'sa', inbound: { host, port: 15006 } };
    const back = nodeFromWire(nodeToWire(node));
    expect(back.ok && back.value.inbound).toEqual({ host, port: 15006 });
  });

  it('reports every problem of a bad node at once', () => {
    const r = nodeFromWire({
      workload: '',
      namespace: '',
      service: '',
      serviceAccount: '',
      inboundAddress: 'nope',
      protocolVersion: DISCOVERY_PROTOCOL_VERSION + 1,
    });
    expect(r.ok ? [] : r.error.map((i) => i.path)).toEqual([
      'node.protocol_version',
      'node.workload',
      'node.inbound_address',
    ]);
  });
});

describe('gzip on the wire', () => {
  const other = { ...snapshot, version: 'abd', workload: { ...snapshot.workload, name: 'w2' } };

  it('round-trips whole snapshots and deltas, and says so in encoding', () => {
    const whole = toWire(snapshot, undefined, { gzip: true });
    expect(whole.encoding).toBe('gzip');
    expect(whole.snapshotJson.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(fromWire(whole)).toEqual({ ok: true, value: snapshot });
    const delta = toWire({ ...snapshot, version: 'abe' }, snapshot, { gzip: true });
    expect(fromWire(delta, snapshot)).toEqual({ ok: true, value: { ...snapshot, version: 'abe' } });
  });

  it('makes a large mesh many times smaller, and each workload still gets its own head', () => {
    const base = snapshot.services['demo/web']!;
    const services = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`demo/s${i}`, { ...base, name: `s${i}`, hosts: [`s${i}`] }]),
    );
    const big = { ...snapshot, services };
    const gz = toWire(big, undefined, { gzip: true });
    expect(gz.snapshotJson.length * 10).toBeLessThan(toWire(big).snapshotJson.length);
    const mine = { ...other, services };
    expect(fromWire(toWire(mine, undefined, { gzip: true }))).toEqual({ ok: true, value: mine });
    expect(fromWire(gz)).toEqual({ ok: true, value: big });
  });

  it.each([
    ['an unknown encoding', { encoding: 'br', snapshotJson: Buffer.from('{}') }, 'encoding'],
    ['bytes that are not gzip', { encoding: 'gzip', snapshotJson: Buffer.from('{}') }, 'snapshot_json'],
  ])('refuses %s', (_name, msg, path) => {
    const r = fromWire({ version: 'abc', ...msg });
    expect(r.ok ? [] : r.error.map((i) => i.path)).toEqual([path]);
  });
});
