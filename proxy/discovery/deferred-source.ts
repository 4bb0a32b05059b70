// A SnapshotSource whose real source is attached after the proxy listens: the discovery client
// must announce the sidecar's inbound address, known only once its listener is bound.
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import type { SnapshotSource } from './source.ts';

export class DeferredSource implements SnapshotSource {
  private inner: SnapshotSource | undefined;
  private readonly listeners = new Set<(s: ProxySnapshot) => void>();
  private resolveReady!: (s: ProxySnapshot) => void;
  private readonly readyPromise = new Promise<ProxySnapshot>((r) => (this.resolveReady = r));

  attach(inner: SnapshotSource): void {
    if (this.inner) throw new Error('DeferredSource: already attached');
    this.inner = inner;
    inner.subscribe((s) => {
      for (const l of this.listeners) l(s);
    });
    // A source that already holds a snapshot (a persisted last-known-good one) applies it now.
    const now = inner.current();
    if (now) for (const l of this.listeners) l(now);
    // Closed before the first snapshot: nothing to resolve, and not an unhandled rejection (exit 1).
    void inner.ready().then(
      (s) => this.resolveReady(s),
      () => undefined,
    );
  }
  current(): ProxySnapshot | undefined {
    return this.inner?.current();
  }
  subscribe(listener: (snapshot: ProxySnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  ready(): Promise<ProxySnapshot> {
    return this.readyPromise;
  }
  async close(): Promise<void> {
    await this.inner?.close();
  }
}
