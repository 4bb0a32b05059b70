// Reading a unary gRPC answer as the open-loop generator sees it: the length-prefixed messages in
// the DATA frames (counted without decoding, across any chunking) and the verdict from the HTTP
// status, the grpc-status (trailers, or the headers of a trailers-only answer) and the framing.
import type { Outcome } from './open-loop-core.ts';

/** Counts complete length-prefixed gRPC messages fed in arbitrary chunks. */
export class GrpcMessageCounter {
  /** Complete messages so far. */
  messages = 0;
  /** Set when a message claims the compressed flag with a value other than 0 or 1. */
  malformed = false;
  private readonly prefix = Buffer.alloc(5);
  private prefixHave = 0;
  /** Payload bytes still owed by the current message; -1 while reading a prefix. */
  private owed = -1;

  feed(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.owed < 0) {
        const take = Math.min(5 - this.prefixHave, chunk.length - at);
        chunk.copy(this.prefix, this.prefixHave, at, at + take);
        this.prefixHave += take;
        at += take;
        if (this.prefixHave < 5) return;
        if ((this.prefix[0] as number) > 1) this.malformed = true;
        this.owed = this.prefix.readUInt32BE(1);
        this.prefixHave = 0;
      }
      const take = Math.min(this.owed, chunk.length - at);
      this.owed -= take;
      at += take;
      if (this.owed === 0) {
        this.messages++;
        this.owed = -1;
      }
    }
  }

  /** True when the bytes so far end exactly at a message boundary. */
  get complete(): boolean {
    return this.owed < 0 && this.prefixHave === 0 && !this.malformed;
  }
}

export interface UnaryAnswer {
  /** HTTP :status, 0 when no response headers arrived. */
  readonly status: number;
  /** grpc-status from the trailers (or a trailers-only answer's headers); undefined when absent. */
  readonly grpcStatus: string | undefined;
  readonly messages: number;
  readonly framingComplete: boolean;
}

/**
 * ok: HTTP 200, grpc-status 0 and exactly one whole reply message. non2xx: the server answered
 * but not with success. error: nothing that counts as an answer (no headers at all).
 */
export const unaryOutcome = (a: UnaryAnswer): Outcome => {
  if (a.status === 0) return 'error';
  const ok = a.status === 200 && a.grpcStatus === '0' && a.messages === 1 && a.framingComplete;
  return ok ? 'ok' : 'non2xx';
};
