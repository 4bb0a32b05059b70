// The gRPC health check a kubelet `grpc` probe runs (grpc.health.v1.Health/Check), spoken over
// node:http2 directly: one unary call whose request and response are a single protobuf field, so
// encoding them by hand is shorter than loading the proto.
import { connect } from 'node:http2';

/** HealthCheckResponse.ServingStatus.SERVING */
const SERVING = 1;

/** A length-prefixed gRPC message holding HealthCheckRequest { string service = 1 }. */
export const healthRequest = (service: string): Buffer => {
  const name = Buffer.from(service, 'utf8');
  // Field 1, wire type 2 (length-delimited); service names are far shorter than 128 bytes.
  const message =
    name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, name.length]), name]);
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(message.length, 1);
  return Buffer.concat([frame, message]);
};

/** ServingStatus from a framed HealthCheckResponse { ServingStatus status = 1 }; 0 (UNKNOWN) if absent. */
export const servingStatus = (body: Buffer): number => {
  if (body.length < 5) return 0;
  const message = body.subarray(5, 5 + body.readUInt32BE(1));
  return message[0] === 0x08 && message.length >= 2 ? (message[1] as number) : 0;
};

/** Resolves with a one-line outcome; rejects on connection failures. `signal` cancels. */
export const grpcHealthCheck = (
  host: string,
  port: number,
  service: string,
  signal: AbortSignal,
): Promise<{ ok: boolean; detail: string }> =>
  new Promise((resolve, reject) => {
    const session = connect(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    const done = (): void => void session.close();
    session.once('error', reject);
    signal.addEventListener('abort', () => session.destroy(), { once: true });
    const stream = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let status = '';
    stream.on('response', (h) => (status = String(h['grpc-status'] ?? '')));
    stream.on('trailers', (t) => (status = String(t['grpc-status'] ?? status)));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('error', reject);
    stream.once('end', () => {
      done();
      const serving = servingStatus(Buffer.concat(chunks));
      if (status !== '0') return resolve({ ok: false, detail: `grpc-status ${status || 'missing'}` });
      resolve({ ok: serving === SERVING, detail: `serving status ${serving}` });
    });
    stream.end(healthRequest(service));
  });
