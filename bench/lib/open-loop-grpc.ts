// The gRPC open-loop load generator: unary calls (GRPC_REQUEST to one method) at a fixed rate
// over a few h2c sessions with many concurrent streams each, every call started at its intended
// time from the schedule (open-loop-core.ts queues it only when every session is at its stream
// cap). Latency runs from the intended send time to the response trailers (or the stream's end for
// a trailers-only answer); success is HTTP 200, grpc-status 0 and one whole reply message.
// h2load --rps is not used for latency: it sends in synchronized bursts each second.
import {
  connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';
import { GRPC_REQUEST } from './grpc-frames.ts';
import { GrpcMessageCounter, unaryOutcome } from './grpc-reply.ts';
import { OpenLoopCore, type OpenLoopResult, type Phase, type Transport } from './open-loop-core.ts';
import type { Schedule } from './schedule.ts';

export interface GrpcOpenLoopOptions {
  readonly port: number;
  /** :authority of every call (the bench's virtual host). */
  readonly authority: string;
  /** The method, e.g. /bench.Bench/Call. */
  readonly path: string;
  readonly schedule: Schedule;
  /** h2 sessions, opened at the start and used least-busy first. */
  readonly sessions: number;
  /** Cap on concurrent streams per session (lowered to the server's SETTINGS if smaller). */
  readonly maxStreamsPerSession: number;
  /** After the last send, how long to wait for stragglers before counting them as timeouts. */
  readonly drainMs: number;
  readonly onPhase?: (phase: Phase) => void;
}

interface Session {
  readonly h2: ClientHttp2Session;
  inflight: number;
  dead: boolean;
}

export const runGrpcOpenLoop = (o: GrpcOpenLoopOptions): Promise<OpenLoopResult> =>
  new Promise((resolve) => {
    const core = new OpenLoopCore(o, resolve);
    core.start(new GrpcTransport(o, core));
  });

const { HTTP2_HEADER_STATUS } = constants;

class GrpcTransport implements Transport {
  private readonly o: GrpcOpenLoopOptions;
  private readonly core: OpenLoopCore;
  private readonly headers: Record<string, string>;
  private readonly sessions: Session[] = [];
  private count = 0;

  constructor(o: GrpcOpenLoopOptions, core: OpenLoopCore) {
    this.o = o;
    this.core = core;
    this.headers = {
      ':method': 'POST',
      ':scheme': 'http',
      ':path': o.path,
      ':authority': o.authority,
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': 'weft-bench',
    };
    for (let k = 0; k < o.sessions; k++) this.sessions.push(this.open());
  }

  trySend(i: number): boolean {
    const s = this.leastBusy();
    if (!s) return false;
    this.call(s, i);
    return true;
  }

  opened(): number {
    return this.count;
  }

  close(): void {
    for (const s of this.sessions) s.h2.destroy();
  }

  private cap(s: Session): number {
    const peer = s.h2.remoteSettings.maxConcurrentStreams ?? this.o.maxStreamsPerSession;
    return Math.min(this.o.maxStreamsPerSession, peer);
  }

  /** The open session with the fewest streams in flight and room for one more; replaces dead ones. */
  private leastBusy(): Session | undefined {
    let best: Session | undefined;
    for (let k = 0; k < this.sessions.length; k++) {
      let s = this.sessions[k] as Session;
      if (s.dead) {
        s = this.open();
        this.sessions[k] = s;
      }
      if (s.inflight < this.cap(s) && (!best || s.inflight < best.inflight)) best = s;
    }
    return best;
  }

  private open(): Session {
    const h2 = connect(`http://127.0.0.1:${this.o.port}`);
    const s: Session = { h2, inflight: 0, dead: false };
    this.count++;
    const dead = (): void => {
      if (s.dead) return;
      s.dead = true;
      // its streams end with errors on their own; queued calls move to a fresh session
      setImmediate(() => this.core.pump());
    };
    h2.on('error', dead);
    h2.on('goaway', dead);
    h2.on('close', dead);
    return s;
  }

  private call(s: Session, i: number): void {
    s.inflight++;
    let stream: ClientHttp2Stream;
    try {
      stream = s.h2.request(this.headers, { endStream: false });
    } catch {
      s.inflight--;
      s.dead = true;
      this.core.complete(i, 'error');
      return;
    }
    const counter = new GrpcMessageCounter();
    let status = 0;
    let grpcStatus: string | undefined;
    let ended = false;
    let trailersAt: number | undefined;
    const end = (failed: boolean): void => {
      if (ended) return;
      ended = true;
      s.inflight--;
      const framingComplete = counter.complete;
      const answer = { status, grpcStatus, messages: counter.messages, framingComplete };
      this.core.complete(i, failed ? 'error' : unaryOutcome(answer), trailersAt);
    };
    const statusOf = (h: IncomingHttpHeaders): string | undefined => {
      const v = h['grpc-status'];
      return Array.isArray(v) ? v[0] : v;
    };
    stream.on('response', (h) => {
      status = Number(h[HTTP2_HEADER_STATUS]);
      grpcStatus = statusOf(h); // a trailers-only answer carries it here
    });
    stream.on('data', (chunk: Buffer) => counter.feed(chunk));
    // latency stops at the trailers; the verdict waits for 'end', when every DATA chunk is read
    stream.on('trailers', (t) => {
      grpcStatus = statusOf(t);
      trailersAt = performance.now();
    });
    stream.on('end', () => end(false));
    stream.on('error', () => end(status === 0));
    stream.on('close', () => end(status === 0));
    stream.end(GRPC_REQUEST);
  }
}
