// gRPC through a plaintext sidecar pair: @grpc/grpc-js client dials the client sidecar's
// outbound port with its default authority set to the service name; unary and server-streaming
// calls, application errors (grpc-status in trailers) and mesh errors (trailers-only).
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { grpcEchoClient, type EchoClient, type EchoReply } from '../helpers/apps.ts';
import { sayOverGrpc, useGrpcEchoPair } from '../helpers/grpc-pair.ts';
import { bytes, sha256 } from '../helpers/http-clients.ts';

const say = sayOverGrpc;

const collect = (c: EchoClient, n: number, size: number): Promise<EchoReply[]> =>
  new Promise((resolve, reject) => {
    const out: EchoReply[] = [];
    const call = c.count({ n, size });
    call.on('data', (r: EchoReply) => out.push(r));
    call.once('error', reject);
    call.once('end', () => resolve(out));
  });

describe('gRPC through a sidecar f.pair', () => {
  const f = useGrpcEchoPair('echo');

  it('unary call arrives with its authority and payload intact', async () => {
    const payload = bytes(256 * 1024, 9);
    const r = await say(f.client, 'hi', payload);
    expect(r.text).toBe('echo:hi');
    expect(r.authority).toBe('echo');
    expect(sha256(r.payload)).toBe(sha256(payload));
  });

  it('server-streaming call delivers every message in order', async () => {
    const replies = await collect(f.client, 200, 4096);
    expect(replies).toHaveLength(200);
    expect(replies.map((r) => r.index)).toEqual([...Array(200).keys()]);
    expect(replies[17]?.payload.equals(Buffer.alloc(4096, 17))).toBe(true);
  });

  it('passes the f.app’s grpc-status through unchanged', async () => {
    await expect(say(f.client, 'fail')).rejects.toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: 'asked to fail',
    });
  });

  it('answers an unknown service with a trailers-only UNIMPLEMENTED from the sidecar', async () => {
    const stray = grpcEchoClient(f.pair.client.proxy.ports.outbound, 'nowhere');
    try {
      const err = await say(stray, 'x').catch((e: grpc.ServiceError) => e);
      expect(err).toMatchObject({ code: grpc.status.UNIMPLEMENTED });
      expect((err as grpc.ServiceError).metadata.get('x-weft-error')).toEqual(['NO_ROUTE']);
    } finally {
      stray.close();
    }
  });
});
