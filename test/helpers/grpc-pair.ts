// A gRPC echo app behind a client/server sidecar pair, started once per describe block, and a
// unary call helper: the fixture several gRPC tests share.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll } from 'vitest';
import { grpcEchoClient, startGrpcEcho, type App, type EchoClient, type EchoReply } from './apps.ts';
import { startPair, type Pair } from './mesh.ts';

export interface GrpcEchoPair {
  app: App;
  pair: Pair;
  client: EchoClient;
}

/** Registers beforeAll/afterAll hooks; the returned object is filled before the tests run. */
export const useGrpcEchoPair = (service = 'echo'): GrpcEchoPair => {
  const f = {} as GrpcEchoPair;
  beforeAll(async () => {
    f.app = await startGrpcEcho(service);
    f.pair = await startPair(service, f.app.port);
    f.client = grpcEchoClient(f.pair.client.proxy.ports.outbound, service);
  });
  afterAll(async () => {
    f.client.close();
    await f.pair.close();
    await f.app.close();
  });
  return f;
};

export const sayOverGrpc = (c: EchoClient, text: string, payload?: Buffer): Promise<EchoReply> =>
  new Promise((resolve, reject) =>
    c.say({ text, payload }, new grpc.Metadata(), (e, r) => (e ? reject(e) : resolve(r as EchoReply))),
  );
