// Mesh TLS metrics of one sidecar, declared here and fed by the transports through TlsEvents:
// inbound connections by TLS or plaintext and accepted or refused (PERMISSIVE shows how much
// plaintext still arrives), and failed handshakes on either side.
import { Counter, type Registry } from 'prom-client';
import type { TlsEvents } from '../transport/tls-events.ts';

// Node and OpenSSL error codes are a finite set; anything else is folded so labels stay bounded.
const boundedCode = (code: string): string => (/^[A-Z0-9_]{1,64}$/.test(code) ? code : 'OTHER');

export const tlsMetrics = (registry: Registry): TlsEvents => {
  const connections = new Counter({
    name: 'weft_inbound_connections_total',
    help: 'Inbound connections by transport (tls=true: mesh mTLS) and whether the inbound mode accepted them.',
    labelNames: ['tls', 'result'] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'weft_tls_handshake_failures_total',
    help: 'Mesh TLS handshakes that failed, by side (inbound: a peer dialled us) and error code.',
    labelNames: ['direction', 'code'] as const,
    registers: [registry],
  });
  return {
    inboundConnection: (tls, accepted) =>
      connections.inc({ tls: String(tls), result: accepted ? 'accepted' : 'refused' }),
    handshakeFailed: (side, code) => failures.inc({ direction: side, code: boundedCode(code) }),
  };
};
