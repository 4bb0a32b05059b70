// The child-process side of a Node peer: its JSON argument and TLS files, and serving on
// 127.0.0.1:0 with the port reported through the port file. Kept apart from node-peer.ts so a
// peer process loads nothing of the bench itself (its RSS is a row's figure).
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { writePortFile } from '../../cli/port-file.ts';

export interface NodePeerArgs {
  /** hop: plain in → plain out; server: mTLS in → plain out; client: plain in → mTLS out. */
  readonly mode: 'hop' | 'server' | 'client';
  readonly upstreamPort: number;
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
}

const [json, portFile] = process.argv.slice(2);

/** This process's arguments (argv[2]). */
export const peerArgs = JSON.parse(json ?? '{}') as NodePeerArgs;

/** The PEM files read once, TLS 1.3 only; undefined for a plaintext hop. */
export const peerTls = peerArgs.tls && {
  cert: readFileSync(peerArgs.tls.cert),
  key: readFileSync(peerArgs.tls.key),
  ca: readFileSync(peerArgs.tls.ca),
  minVersion: 'TLSv1.3' as const,
};

/** Listens on 127.0.0.1:0, writes the port file (argv[3]) and exits on SIGTERM. */
export const servePeer = (server: Server): void => {
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    void writePortFile(portFile as string, { port: typeof addr === 'object' && addr ? addr.port : 0 });
  });
  process.once('SIGTERM', () => process.exit(0));
};
