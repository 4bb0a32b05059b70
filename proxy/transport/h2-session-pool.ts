// Pooled HTTP/2 sessions to one upstream endpoint: requests share a session until it carries as
// many streams as the peer allows (its SETTINGS_MAX_CONCURRENT_STREAMS), then another session is
// opened, up to a bound. Past the bound a request goes to the least busy session, where nghttp2
// holds it until a stream slot frees. Sessions that are closing, failed or got GOAWAY leave the
// pool at once, so no new stream is started on them.
import type { ClientHttp2Session } from 'node:http2';

export interface H2Conn {
  readonly session: ClientHttp2Session;
  readonly scheme: 'http' | 'https';
  /** Label for errors and logs: address:port. */
  readonly label: string;
  connected(): boolean;
  /** Streams started on this session that have not closed yet. */
  active: number;
}

/** Streams assumed allowed before the peer's SETTINGS arrive (RFC 9113 §6.5.2 recommends ≥ 100). */
const ASSUMED_LIMIT = 100;

/** Sessions per endpoint before requests queue inside a session. */
export const MAX_SESSIONS_PER_ENDPOINT = 8;

const limitOf = (c: H2Conn): number => {
  if (!c.connected()) return ASSUMED_LIMIT;
  return c.session.remoteSettings.maxConcurrentStreams ?? ASSUMED_LIMIT;
};

const usable = (c: H2Conn): boolean => !c.session.closed && !c.session.destroyed;

export class H2SessionPool {
  private readonly conns: H2Conn[] = [];
  private readonly open: (pool: H2SessionPool) => H2Conn;
  private readonly maxSessions: number;

  constructor(open: (pool: H2SessionPool) => H2Conn, maxSessions = MAX_SESSIONS_PER_ENDPOINT) {
    this.open = open;
    this.maxSessions = maxSessions;
  }

  get size(): number {
    return this.conns.length;
  }

  /** The session the next stream goes on; opens one when every session is at the peer's limit. */
  pick(): H2Conn {
    let leastBusy: H2Conn | undefined;
    for (const c of this.conns) {
      if (!usable(c)) continue;
      if (c.active < limitOf(c)) return c;
      if (leastBusy === undefined || c.active < leastBusy.active) leastBusy = c;
    }
    if (leastBusy !== undefined && this.conns.length >= this.maxSessions) return leastBusy;
    const c = this.open(this);
    this.conns.push(c);
    return c;
  }

  /** Takes `session` out: it is closing or gone. */
  forget(session: ClientHttp2Session): void {
    const i = this.conns.findIndex((c) => c.session === session);
    if (i >= 0) this.conns.splice(i, 1);
  }

  /** GOAWAY to every session; resolves when all have closed. */
  close(): Promise<void> {
    const closing = this.conns.map(
      ({ session }) => new Promise<void>((r) => (session.closed ? r() : session.close(() => r()))),
    );
    this.conns.length = 0;
    return Promise.all(closing).then(() => undefined);
  }
}
