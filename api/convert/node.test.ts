import { describe, expect, it } from 'vitest';
import { nodeFromWire, nodeToWire, type NodeInfo } from './node.ts';

const node = (host: string): NodeInfo => ({
  workload: 'db-0',
  namespace: 'data',
  service: 'db',
  serviceAccount: 'db',
  inbound: { host, port: 15006 },
});

describe('node inbound address on the wire', () => {
  it.each(['10.214.0.3', 'fd00:214::3', 'db-0.local'])('%s round-trips', (host) => {
    const back = nodeFromWire(nodeToWire(node(host)));
    expect(back.ok && back.value.inbound).toEqual({ host, port: 15006 });
  });

  it('brackets an IPv6 pod IP, as host:port needs', () => {
    expect(nodeToWire(node('fd00:214::3')).inboundAddress).toBe('[fd00:214::3]:15006');
  });
});
