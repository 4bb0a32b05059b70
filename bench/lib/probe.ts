// One request through a freshly started row before any load: a misconfigured proxy fails here
// with a clear message instead of as a table full of errors.
import { request } from 'node:http';
import { connect } from 'node:http2';
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

const h2 = (port: number): Promise<ProbeResult> =>
  new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    const fail = (e: Error): void => {
      session.destroy();
      reject(e);
    };
    session.on('error', fail);
    const timer = setTimeout(() => fail(new Error('probe timed out after 5 s')), 5000);
    const stream = session.request({ ':path': '/', ':authority': HOST });
    let status = 0;
    let bytes = 0;
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (b: Buffer) => (bytes += b.length));
    stream.on('error', fail);
    stream.on('end', () => {
      clearTimeout(timer);
      session.close();
      resolve({ status, bytes });
    });
  });

export const probe = async (port: number, protocol: Protocol, wantBytes: number): Promise<void> => {
  const r = await (protocol === 'h2' ? h2(port) : h1(port));
  if (r.status !== 200 || r.bytes !== wantBytes)
    throw new Error(`probe got status ${r.status} with ${r.bytes} bytes (want 200 with ${wantBytes})`);
};
