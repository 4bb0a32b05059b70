// One sidecar's push state, apart from gRPC so it can be tested on a ManualClock: a
// latest-value slot (size-1 queue: bursts collapse to the newest snapshot), at most one
// snapshot in flight until its ACK/NACK, and a drop when that answer does not come in time.
// For a sidecar that accepts deltas, each send after the first ACK names the ACKed snapshot as
// its base (docs/adr/0002-snapshot-deltas.md); a delta the sidecar could not apply (it runs
// another base) is sent again whole.
import { BASE_VERSION_PATH } from '../../api/convert/snapshot-wire.ts';
import type { ConfigIssue } from '../../api/model/result.ts';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import type { Clock, TimerHandle } from '../../api/runtime/clock.ts';

export interface Nack {
  readonly version: string;
  readonly message: string;
  readonly issues: readonly ConfigIssue[];
  readonly atMs: number;
}

export interface SessionDeps {
  readonly clock: Clock;
  /** How long a sent snapshot may wait for its ACK/NACK before the stream counts as stuck. */
  readonly sendTimeoutMs: number;
  /** `base`: the snapshot the sidecar ACKed, to send only what changed since (absent = whole). */
  readonly send: (snapshot: ProxySnapshot, nonce: string, base?: ProxySnapshot) => void;
  /** The sidecar applies deltas (Node.accepts_delta). */
  readonly deltas?: boolean;
  readonly drop: (reason: string) => void;
  readonly onAnswer?: (answer: { nacked: boolean; latencyMs: number }) => void;
}

export interface Answer {
  readonly versionInfo: string;
  readonly responseNonce: string;
  readonly error?: { readonly message: string; readonly issues: readonly ConfigIssue[] };
}

export class PushSession {
  private readonly deps: SessionDeps;
  private nonceSeq = 0;
  private inFlight:
    | { snapshot: ProxySnapshot; delta: boolean; nonce: string; sentAt: number; timer: TimerHandle }
    | undefined;
  /** The snapshot the sidecar runs, when it is one we sent (the base of the next delta). */
  private acked: ProxySnapshot | undefined;
  private pending: ProxySnapshot | undefined;
  private lastSentVersion: string | undefined;
  private closed = false;
  ackedVersion: string | undefined;
  lastNack: Nack | undefined;

  /** `runningVersion`: what the sidecar said it runs when it (re)connected; not re-sent. */
  constructor(deps: SessionDeps, runningVersion?: string) {
    this.deps = deps;
    if (runningVersion) this.lastSentVersion = this.ackedVersion = runningVersion;
  }

  get sentVersion(): string | undefined {
    return this.lastSentVersion;
  }

  /** The newest snapshot for this sidecar; sent now, or when the one in flight is answered. */
  offer(snapshot: ProxySnapshot): void {
    if (this.closed) return;
    if (this.inFlight) this.pending = snapshot;
    else if (snapshot.version !== this.lastSentVersion) this.sendNow(snapshot);
  }

  answer(a: Answer): void {
    const f = this.inFlight;
    if (this.closed || !f || a.responseNonce !== f.nonce) return; // stale or unsolicited
    this.deps.clock.clearTimeout(f.timer);
    this.inFlight = undefined;
    const { snapshot } = f;
    // Only a base mismatch is worth a whole resend; refused content would be refused again.
    const retryWhole = f.delta && a.error?.issues.some((i) => i.path === BASE_VERSION_PATH) === true;
    if (a.error) {
      this.lastNack = { version: snapshot.version, ...a.error, atMs: this.deps.clock.wallNow() };
      this.acked = undefined; // whatever it runs, the next send is whole
      if (retryWhole) this.lastSentVersion = undefined; // so it goes again, whole
    } else {
      this.ackedVersion = a.versionInfo;
      this.acked = a.versionInfo === snapshot.version ? snapshot : undefined;
    }
    this.deps.onAnswer?.({ nacked: a.error !== undefined, latencyMs: this.deps.clock.now() - f.sentAt });
    const next = this.pending ?? (retryWhole ? snapshot : undefined);
    this.pending = undefined;
    if (next) this.offer(next);
  }

  close(): void {
    this.closed = true;
    if (this.inFlight) this.deps.clock.clearTimeout(this.inFlight.timer);
    this.inFlight = undefined;
  }

  private sendNow(snapshot: ProxySnapshot): void {
    const nonce = String(++this.nonceSeq);
    const timer = this.deps.clock.setTimeout(() => {
      this.close();
      this.deps.drop(`no ACK or NACK for version ${snapshot.version} within ${this.deps.sendTimeoutMs} ms`);
    }, this.deps.sendTimeoutMs);
    timer.unref?.();
    const base = this.deps.deltas ? this.acked : undefined;
    this.inFlight = { snapshot, delta: base !== undefined, nonce, sentAt: this.deps.clock.now(), timer };
    this.lastSentVersion = snapshot.version;
    this.deps.send(snapshot, nonce, base);
  }
}
