// Downstream connections open now on each listener (HTTP and opaque TCP alike), counted by the
// listener as it accepts and closes them.
import { Gauge, type Registry } from 'prom-client';

export type ListenerDirection = 'inbound' | 'outbound';

/** What a listener calls per connection; bound to its direction once. */
export interface ConnectionCount {
  opened(): void;
  closed(): void;
}

export const connectionGauge = (registry: Registry): ((direction: ListenerDirection) => ConnectionCount) => {
  const open = new Gauge({
    name: 'weft_connections_open',
    help: 'Downstream connections open now on the sidecar listener of this direction.',
    labelNames: ['direction'] as const,
    registers: [registry],
  });
  return (direction) => {
    const child = open.labels({ direction });
    child.set(0);
    return { opened: () => child.inc(), closed: () => child.dec() };
  };
};
