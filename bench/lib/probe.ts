// One request through a freshly started row before any load: a misconfigured proxy fails here
// with a clear message instead of as a table full of errors.
import { request } from 'node:http';
import { connect } from 'node:http2';
import { BODY_BYTES, GRPC_PATH } from '../peers/nginx-conf.ts';
import { GRPC_REPLY, GRPC_REQUEST } from './grpc-frames.ts';
import { HOST, type Protocol } from './scenario.ts';

export interface ProbeResult {
  readonly status: number;
  readonly bytes: number;
}

const h1 = (port: number): Promise<ProbeResult> =>
  new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', headers: { host: HOST }, timeout: 5000 },
      (res) => {
        let bytes = 0;
        res.on('data', (b: Buffer) => (bytes += b.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('probe timed out after 5 s')));
    req.on('error', reject);
    req.end();
  });

/** One unary gRPC call over h2c; `bytes` counts the framed reply, `grpcStatus` is from the trailers. */
const grpc = (port: number): Promise<ProbeResult & { grpcStatus?: string }> =>
  new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    const fail = (e: Error): void => {
      session.destroy();
      reject(e);
    };
    session.on('error', fail);
    const timer = setTimeout(() => fail(new Error('probe timed out after 5 s')), 5000);
    const stream = session.request({
      ':method': 'POST',
      ':path': GRPC_PATH,
      ':authority': HOST,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let status = 0;
    let bytes = 0;
    let grpcStatus: string | undefined;
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('trailers', (trailers) => (grpcStatus = String(trailers['grpc-status'])));
    stream.on('data', (b: Buffer) => (bytes += b.length));
    stream.on('error', fail);
    stream.on('end', () => {
      clearTimeout(timer);
      session.close();
      resolve({ status, bytes, grpcStatus });
    });
    stream.end(GRPC_REQUEST);
  });

export const probe = async (port: number, protocol: Protocol): Promise<void> => {
  if (protocol === 'h1') {
    const r = await h1(port);
    if (r.status !== 200 || r.bytes !== BODY_BYTES)
      throw new Error(`probe got status ${r.status} with ${r.bytes} bytes (want 200 with ${BODY_BYTES})`);
    return;
  }
  const r = await grpc(port);
  if (r.status !== 200 || r.bytes !== GRPC_REPLY.length || r.grpcStatus !== '0')
    throw new Error(
      `gRPC probe got status ${r.status}, ${r.bytes} bytes, grpc-status ${r.grpcStatus} (want 200, ${GRPC_REPLY.length}, 0)`,
    );
};
