// The gRPC side of a conformance echo pod: a @grpc/grpc-js server for weft.test.Echo whose Say
// answers, as JSON in `text`, which pod answered, the path and the metadata it received.
import * as grpc from '@grpc/grpc-js';
import { loadEcho, type EchoReply } from '../helpers/apps.ts';
import type { EchoSeen } from './echo-backend.ts';

export interface GrpcEcho {
  readonly port: number;
  close(): Promise<void>;
}

/** Metadata as the echo reports headers: name → every value. */
const metadataOf = (md: grpc.Metadata): Record<string, string[]> => {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(md.toJSON()))
    // A header sent as several lines reaches grpc-js as one ", "-joined value: split it back.
    out[name] = value.flatMap((v) => (typeof v === 'string' ? v.split(', ') : [v.toString('base64')]));
  return out;
};

export const startGrpcEcho = async (pod: string): Promise<GrpcEcho> => {
  const server = new grpc.Server();
  server.addService(loadEcho().service, {
    say: (call: grpc.ServerUnaryCall<{ text: string }, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) => {
      const seen: EchoSeen = {
        pod,
        method: 'POST',
        path: call.getPath(),
        host: call.getHost(),
        headers: metadataOf(call.metadata),
      };
      cb(null, { text: JSON.stringify(seen), payload: Buffer.alloc(0), index: 0, authority: call.getHost() });
    },
    count: (call: grpc.ServerWritableStream<unknown, EchoReply>) => call.end(),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { port, close: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
};
