import { describe, expect, it } from 'vitest';
import { GRPC_REPLY, GRPC_REQUEST, grpcMessage } from './grpc-frames.ts';
import { GrpcMessageCounter, unaryOutcome } from './grpc-reply.ts';

const countIn = (chunks: readonly Buffer[]): GrpcMessageCounter => {
  const c = new GrpcMessageCounter();
  for (const b of chunks) c.feed(b);
  return c;
};

describe('GrpcMessageCounter', () => {
  it('counts one 1 KiB reply fed whole, byte by byte, or split inside its prefix', () => {
    expect(countIn([GRPC_REPLY])).toMatchObject({ messages: 1, complete: true });
    const bytes = [...GRPC_REPLY].map((b) => Buffer.from([b]));
    expect(countIn(bytes)).toMatchObject({ messages: 1, complete: true });
    expect(countIn([GRPC_REPLY.subarray(0, 3), GRPC_REPLY.subarray(3)]).messages).toBe(1);
  });

  it('counts several messages in one chunk, including an empty one', () => {
    const empty = Buffer.from([0, 0, 0, 0, 0]);
    const c = countIn([Buffer.concat([GRPC_REQUEST, empty, GRPC_REPLY])]);
    expect(c).toMatchObject({ messages: 3, complete: true });
  });

  it('a truncated reply is not complete: cut in the prefix or in the payload', () => {
    expect(countIn([GRPC_REPLY.subarray(0, 4)])).toMatchObject({ messages: 0, complete: false });
    expect(countIn([GRPC_REPLY.subarray(0, 100)])).toMatchObject({ messages: 0, complete: false });
    expect(countIn([GRPC_REPLY, GRPC_REQUEST.subarray(0, 6)])).toMatchObject({
      messages: 1,
      complete: false,
    });
  });

  it('flags a compressed-flag byte that is neither 0 nor 1', () => {
    const bad = Buffer.from(grpcMessage(16));
    bad[0] = 7;
    expect(countIn([bad]).complete).toBe(false);
  });
});

describe('unaryOutcome', () => {
  const good = { status: 200, grpcStatus: '0', messages: 1, framingComplete: true };

  it('is ok only for HTTP 200, grpc-status 0 and exactly one whole message', () => {
    expect(unaryOutcome(good)).toBe('ok');
    expect(unaryOutcome({ ...good, grpcStatus: '14' })).toBe('non2xx');
    expect(unaryOutcome({ ...good, grpcStatus: undefined })).toBe('non2xx');
    expect(unaryOutcome({ ...good, status: 503 })).toBe('non2xx');
    expect(unaryOutcome({ ...good, messages: 0 })).toBe('non2xx');
    expect(unaryOutcome({ ...good, messages: 2 })).toBe('non2xx');
    expect(unaryOutcome({ ...good, framingComplete: false })).toBe('non2xx');
  });

  it('is an error when no response headers arrived at all', () => {
    expect(unaryOutcome({ ...good, status: 0, grpcStatus: undefined, messages: 0 })).toBe('error');
  });
});
