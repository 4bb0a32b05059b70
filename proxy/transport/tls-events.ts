// What the transports report about mesh TLS, for metrics (proxy/metrics/tls-metrics.ts): which
// inbound connections were accepted or refused and with or without TLS, and failed handshakes on
// either side. Optional everywhere: tests and tools may run transports without it.
export type TlsSide = 'inbound' | 'outbound';

export interface TlsEvents {
  /** An inbound connection was accepted (after the handshake, for TLS) or refused by the inbound mode. */
  inboundConnection(tls: boolean, accepted: boolean): void;
  /** A mesh TLS handshake failed (bad or missing certificate, wrong identity, protocol, reset). */
  handshakeFailed(side: TlsSide, code: string): void;
}
