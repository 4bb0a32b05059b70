import { describe, expect, it } from 'vitest';
import { grpcStatusNamed } from './grpc-status.ts';

describe('grpcStatusNamed', () => {
  it('knows the status names and nothing inherited from Object', () => {
    expect(grpcStatusNamed('UNAVAILABLE')).toBe(14);
    expect(grpcStatusNamed('toString')).toBeUndefined();
    expect(grpcStatusNamed('OK')).toBeUndefined();
  });
});
