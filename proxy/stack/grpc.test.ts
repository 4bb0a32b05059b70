import { describe, expect, it } from 'vitest';
import { encodeGrpcMessage, isGrpc, isGrpcContentType, trailersOnly } from './grpc.ts';

describe('isGrpcContentType', () => {
  it.each<[string | string[] | undefined, boolean]>([
    ['application/grpc', true],
    ['application/grpc+proto', true],
    ['application/grpc+json', true],
    ['application/grpc; charset=utf-8', true],
    ['application/grpc+proto ; foo=bar', true],
    ['Application/GRPC', true],
    // gRPC-Web puts trailers in the body and is not native gRPC.
    ['application/grpc-web', false],
    ['application/grpc-web+proto', false],
    ['application/grpc-web-text', false],
    ['application/grpcx', false],
    ['application/json', false],
    ['', false],
    [undefined, false],
    // Content-Type is single-valued: only the first of repeated values counts.
    [['application/grpc', 'text/plain'], true],
    [['text/plain', 'application/grpc'], false],
  ])('%j → %s', (ct, expected) => {
    expect(isGrpcContentType(ct)).toBe(expected);
    expect(isGrpc({ 'content-type': ct })).toBe(expected);
  });
});

describe('trailersOnly', () => {
  it('is HTTP 200 with grpc-status and an encoded grpc-message in the headers, and no body', () => {
    expect(trailersOnly(14, '50% down', { 'x-extra': '1' })).toEqual({
      status: 200,
      headers: {
        'content-type': 'application/grpc',
        'grpc-status': '14',
        'grpc-message': '50%25 down',
        'x-extra': '1',
      },
      body: null,
    });
  });

  it('percent-encodes only what grpc-message forbids', () => {
    expect(encodeGrpcMessage('plain text: ok')).toBe('plain text: ok');
    expect(encodeGrpcMessage('50% ü\n')).toBe('50%25 %C3%BC%0A');
  });
});
