// What the transports need from identity to speak mTLS; proxy/identity implements it and swaps
// the context on rotation (new handshakes use the newest certificate, open connections finish).
import type { SecureContext, SecureContextOptions } from 'node:tls';

/** The PEMs a context is built from: own key, chain (leaf first) and the trusted roots. */
export type TlsCredentials = Required<Pick<SecureContextOptions, 'key' | 'cert' | 'ca'>>;

export interface TlsMaterial {
  /** Own certificate + key + trust bundle; changes on rotation (a new object each time). */
  secureContext(): SecureContext;
  /**
   * What secureContext() was built from. A TLS server's default context (the one a client that
   * sends no server name gets) cannot be handed a SecureContext, only these.
   */
  credentials(): TlsCredentials;
  /** Own SPIFFE ID. */
  identity(): string;
}
