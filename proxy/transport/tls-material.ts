// What the transports need from identity to speak mTLS; proxy/identity implements it and swaps
// the context on rotation (new handshakes use the newest certificate, open connections finish).
import type { SecureContext } from 'node:tls';

export interface TlsMaterial {
  /** Own certificate + key + trust bundle; changes on rotation. */
  secureContext(): SecureContext;
  /** Own SPIFFE ID. */
  identity(): string;
}
