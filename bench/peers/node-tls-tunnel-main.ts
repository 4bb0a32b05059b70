// The Node floor: a byte tunnel that does no HTTP work at all (no parsing, no routing, no
// policies), one TLS 1.3 connection per client connection, bytes moved with pipe(). Any Node
// sidecar that understands HTTP costs at least this much per request, so this pair's figures
// are the ceiling a Node mesh can reach on the machine, measured in the same run as HAProxy.
// `node bench/peers/node-tls-tunnel-main.ts '<Args JSON>' <portFile>`; binds 127.0.0.1:0.
import { connect as tcpConnect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { peerArgs as args, peerTls as tls, servePeer } from './node-peer-process.ts';

const dialUpstream = (): Socket =>
  args.mode === 'client' && tls
    ? // the chain is verified against the bench CA; the peer's name is not what identifies it here
      tlsConnect({ ...tls, port: args.upstreamPort, host: '127.0.0.1', checkServerIdentity: () => undefined })
    : tcpConnect(args.upstreamPort, '127.0.0.1');

const splice = (down: Socket): void => {
  const up = dialUpstream();
  down.setNoDelay(true);
  up.setNoDelay(true);
  down.pipe(up).pipe(down);
  down.on('error', () => up.destroy());
  up.on('error', () => down.destroy());
  down.on('close', () => up.destroy());
  up.on('close', () => down.destroy());
};

servePeer(
  args.mode === 'server' && tls
    ? createTlsServer({ ...tls, requestCert: true, rejectUnauthorized: true }, splice)
    : createServer(splice),
);
