import { describe, expect, it } from 'vitest';
import { nodeFromWire, nodeToWire, type NodeInfo } from './node.ts';

describe('node on the wire', () => {
  it('carries the metrics address both ways', () => {
    const node: NodeInfo = {
      workload: 'catalog-v2',
      namespace: 'demo',
      serviceAccount: 'catalog',
      inbound: { host: '127.0.0.1', port: 4000 },
      metrics: { host: '::1', port: 4001 },
    };
    const back = nodeFromWire(nodeToWire(node));
    expect(back.ok && back.value.metrics).toEqual({ host: '::1', port: 4001 });
  });

  it('reads an older sidecar without one, and refuses a malformed one naming the field', () => {
    const wire = nodeToWire({ workload: 'w', namespace: 'n', serviceAccount: 's' });
    const older = nodeFromWire({ ...wire, metricsAddress: undefined });
    expect(older.ok && older.value.metrics).toBeUndefined();
    const bad = nodeFromWire({ ...wire, metricsAddress: 'nope' });
    expect(!bad.ok && bad.error[0]?.path).toBe('node.metrics_address');
  });
});
