// Upstream dials that ran out of time, declared here: the transports report each connect or mesh
// TLS handshake that missed its deadline (proxy/transport/dial-deadline.ts).
import { Counter, type Registry } from 'prom-client';
import type { DialEvents } from '../transport/dial-deadline.ts';

export const dialMetrics = (registry: Registry): DialEvents => {
  const timeouts = new Counter({
    name: 'weft_upstream_connect_timeouts_total',
    help: 'New upstream connections that missed a deadline, by phase (connect: TCP; handshake: mesh mTLS).',
    labelNames: ['phase'] as const,
    registers: [registry],
  });
  const byPhase = {
    connect: timeouts.labels({ phase: 'connect' }),
    handshake: timeouts.labels({ phase: 'handshake' }),
  };
  return { timedOut: (phase) => byPhase[phase].inc() };
};
