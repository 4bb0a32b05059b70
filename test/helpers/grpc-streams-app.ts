// A @grpc/grpc-js server and client for streams.proto: unary, server-, client- and bidi-streaming
// calls, with hooks the tests observe (calls in flight, cancellations seen by the server, calls
// that fail once with UNAVAILABLE, calls held until a number of them are in flight).
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export interface Msg {
  payload: Buffer;
  index: number;
  count: number;
  size: number;
  hold_ms: number;
  fail_first: string;
  barrier: number;
  bytes: number;
}

type UnaryCb = (err: grpc.ServiceError | null, reply?: Msg) => void;
export interface StreamsClient extends grpc.Client {
  unary(req: Partial<Msg>, md: grpc.Metadata, opts: grpc.CallOptions, cb: UnaryCb): grpc.ClientUnaryCall;
  download(req: Partial<Msg>, md?: grpc.Metadata, opts?: grpc.CallOptions): grpc.ClientReadableStream<Msg>;
  upload(cb: UnaryCb): grpc.ClientWritableStream<Partial<Msg>>;
  chat(): grpc.ClientDuplexStream<Partial<Msg>, Msg>;
}
type ClientCtor = new (
  address: string,
  creds: grpc.ChannelCredentials,
  opts?: grpc.ClientOptions,
) => StreamsClient;

const load = (): { service: grpc.ServiceDefinition; Client: ClientCtor } => {
  const def = loadSync(new URL('./streams.proto', import.meta.url).pathname, {
    longs: Number,
    defaults: true,
    keepCase: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    weft: { test: { Streams: ClientCtor & { service: grpc.ServiceDefinition } } };
  };
  return { service: pkg.weft.test.Streams.service, Client: pkg.weft.test.Streams };
};

const MAX_MESSAGE = 64 << 20;

export const streamsClient = (port: number, authority: string): StreamsClient => {
  const { Client } = load();
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': authority,
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc.max_send_message_length': MAX_MESSAGE,
  });
};

export interface StreamsApp {
  readonly port: number;
  /** Calls started, per method name. */
  readonly started: Record<string, number>;
  /** Calls in flight right now (started, not yet answered), and the most seen at once. */
  inFlight: number;
  maxInFlight: number;
  /** Server-side cancellations seen (the caller went away or its deadline passed). */
  cancelled: number;
  /** Resolves at the next server-side cancellation. */
  nextCancel(): Promise<void>;
  close(): Promise<void>;
}

export const startStreamsApp = async (serverOptions: grpc.ServerOptions = {}): Promise<StreamsApp> => {
  const { service } = load();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc.max_send_message_length': MAX_MESSAGE,
    ...serverOptions,
  });
  const failedOnce = new Set<string>();
  const waiting: (() => void)[] = [];
  const cancelWaiters: (() => void)[] = [];
  const app: StreamsApp = {
    port: 0,
    started: {},
    inFlight: 0,
    maxInFlight: 0,
    cancelled: 0,
    nextCancel: () => new Promise((r) => cancelWaiters.push(r)),
    close: () => new Promise<void>((r) => server.tryShutdown(() => r())),
  };
  /** Counts the call in; resolves once `barrier` calls are in flight (0: at once). */
  const enter = (
    method: string,
    call: { once(event: 'cancelled', listener: () => void): unknown },
    barrier: number,
  ): Promise<void> => {
    app.started[method] = (app.started[method] ?? 0) + 1;
    app.maxInFlight = Math.max(app.maxInFlight, ++app.inFlight);
    call.once('cancelled', () => {
      app.cancelled++;
      for (const w of cancelWaiters.splice(0)) w();
    });
    if (barrier <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      waiting.push(resolve);
      if (app.inFlight >= barrier) for (const w of waiting.splice(0)) w();
    });
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  server.addService(service, {
    unary: async (call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      const req = call.request;
      await enter('unary', call, req.barrier);
      try {
        if (req.fail_first && !failedOnce.has(req.fail_first)) {
          failedOnce.add(req.fail_first);
          return cb({ code: grpc.status.UNAVAILABLE, details: 'failing once' });
        }
        if (req.hold_ms > 0) await sleep(req.hold_ms);
        if (!call.cancelled) cb(null, { ...req, bytes: req.payload.length });
      } finally {
        app.inFlight--;
      }
    },
    download: async (call: grpc.ServerWritableStream<Msg, Msg>) => {
      const req = call.request;
      await enter('download', call, req.barrier);
      for (let i = 0; i < req.count && !call.cancelled; i++) {
        if (req.hold_ms > 0) await sleep(req.hold_ms);
        call.write({ payload: Buffer.alloc(req.size, i % 251), index: i } as Msg);
      }
      app.inFlight--;
      if (!call.cancelled) call.end();
    },
    upload: async (call: grpc.ServerReadableStream<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => {
      await enter('upload', call, 0);
      let count = 0;
      let bytes = 0;
      call.on('data', (m: Msg) => {
        count++;
        bytes += m.payload.length;
      });
      call.once('end', () => {
        app.inFlight--;
        cb(null, { count, bytes } as Msg);
      });
    },
    chat: async (call: grpc.ServerDuplexStream<Msg, Msg>) => {
      await enter('chat', call, 0);
      call.on('data', (m: Msg) => call.write({ ...m, bytes: m.payload.length }));
      call.once('end', () => {
        app.inFlight--;
        call.end();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return Object.assign(app, { port });
};
