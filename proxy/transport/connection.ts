// What the listener knows about one downstream connection, computed once when it is accepted
// (after the TLS handshake for mTLS) and found again from any request on it.
import type { MeshRequest, MeshResponse } from '../stack/types.ts';

export interface ConnectionInfo {
  /** The connection arrived over mesh mTLS. */
  readonly tls: boolean;
  /** SPIFFE ID from the peer certificate's URI SAN; verified against the trust bundle. */
  readonly peerIdentity?: string;
  /** `namespace/serviceAccount` the peer identity names, parsed once per connection. */
  readonly peerServiceAccount?: string;
  /** Outbound capture: where the app was connecting before iptables redirected it (SO_ORIGINAL_DST). */
  readonly originalDst?: { readonly address: string; readonly port: number };
}

/** Where the listeners hand every request; it must answer (error-response turns failures into responses). */
export type RequestSink = (
  req: MeshRequest,
  conn: ConnectionInfo,
  signal: AbortSignal,
) => Promise<MeshResponse>;

const CONNECTION = Symbol('weft.connection');
type Tagged = { [CONNECTION]?: ConnectionInfo };

export const PLAINTEXT: ConnectionInfo = { tls: false };

// A symbol-keyed property rather than a WeakMap: node:http2 exposes session.socket as a Proxy
// that forwards property reads to the real socket but has its own identity.
export const tagConnection = (socket: object, info: ConnectionInfo): void => {
  (socket as Tagged)[CONNECTION] = info;
};

export const connectionOf = (socket: object | null | undefined): ConnectionInfo =>
  (socket as Tagged | null | undefined)?.[CONNECTION] ?? PLAINTEXT;
