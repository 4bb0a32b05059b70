// The watch protocol on the wire: JSON lines, replay from a resourceVersion, 410 for compacted
// history, selector transitions, bookmarks and timeoutSeconds driven by a ManualClock.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../api/runtime/clock.ts';
import { startKubeApiServer, type KubeApiServer } from './server.ts';
import type { KubeObject, StoreEvent } from './types.ts';
import { filteredEvent } from './watch.ts';
import { waitFor } from './wait-for.ts';

interface WatchLine {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string }; code?: number; reason?: string };
}

/** Opens a watch and collects its lines until the server ends the stream (or the test aborts it). */
const openWatch = (server: KubeApiServer, query: string) => {
  const lines: WatchLine[] = [];
  const abort = new AbortController();
  let ended = false;
  const done = (async () => {
    const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps?watch=true&${query}`, {
      headers: { authorization: 'Bearer t' },
      signal: abort.signal,
    });
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        lines.push(JSON.parse(buf.slice(0, i)) as WatchLine);
        buf = buf.slice(i + 1);
      }
    }
    ended = true;
  })().catch(() => undefined);
  return { lines, ended: () => ended, stop: () => abort.abort(), done };
};

const seedCm = (server: KubeApiServer, name: string, labels: Record<string, string> = {}) =>
  server.store.seed({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', labels },
  });

describe('watch protocol', () => {
  it('replays history after a resourceVersion, then follows live writes', async () => {
    const server = await startKubeApiServer();
    try {
      const first = seedCm(server, 'one');
      seedCm(server, 'two');
      const w = openWatch(server, `resourceVersion=${first.metadata.resourceVersion}`);
      await waitFor(() => w.lines.length === 1, 'the replayed event');
      seedCm(server, 'three');
      server.store.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'one' });
      await waitFor(() => w.lines.length === 3, 'live events');
      expect(w.lines.map((l) => `${l.type}:${l.object.metadata?.name}`)).toEqual([
        'ADDED:two',
        'ADDED:three',
        'DELETED:one',
      ]);
      const rvs = w.lines.map((l) => Number(l.object.metadata?.resourceVersion));
      expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
      w.stop();
    } finally {
      await server.close();
    }
  });

  it('answers a watch from compacted history with an ERROR event carrying a 410 Status', async () => {
    const server = await startKubeApiServer({ watchHistory: 2 });
    try {
      const old = seedCm(server, 'a');
      for (const n of ['b', 'c', 'd']) seedCm(server, n); // pushes 'a' out of the 2-event history
      const w = openWatch(server, `resourceVersion=${old.metadata.resourceVersion}`);
      await w.done;
      expect(w.ended()).toBe(true);
      expect(w.lines).toEqual([
        { type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) },
      ]);
      const list = await fetch(
        `${server.url}/api/v1/namespaces/default/configmaps?resourceVersion=${old.metadata.resourceVersion}&resourceVersionMatch=Exact`,
        { headers: { authorization: 'Bearer t' } },
      );
      expect(list.status).toBe(410);
    } finally {
      await server.close();
    }
  });

  it('turns label changes into ADDED/DELETED for a selector-filtered watch', async () => {
    const server = await startKubeApiServer();
    try {
      seedCm(server, 'x', { app: 'other' });
      const w = openWatch(server, 'labelSelector=app%3Dweb');
      await waitFor(() => server.activeWatches() === 1, 'the watch to open');
      seedCm(server, 'x', { app: 'web' });
      seedCm(server, 'x', { app: 'web', extra: '1' });
      seedCm(server, 'x', { app: 'gone' });
      await waitFor(() => w.lines.length === 3, 'three events');
      expect(w.lines.map((l) => l.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
      w.stop();
    } finally {
      await server.close();
    }
  });

  it('sends bookmarks and closes at timeoutSeconds on the injected clock', async () => {
    const clock = new ManualClock();
    const server = await startKubeApiServer({ clock, bookmarkIntervalMs: 60_000 });
    try {
      const w = openWatch(server, 'allowWatchBookmarks=true&timeoutSeconds=300');
      await waitFor(() => server.activeWatches() === 1, 'the watch to open');
      clock.advance(60_000);
      await waitFor(() => w.lines.length === 1, 'a bookmark');
      expect(w.lines[0]).toEqual({
        type: 'BOOKMARK',
        object: {
          kind: 'ConfigMap',
          apiVersion: 'v1',
          metadata: { resourceVersion: server.store.resourceVersion() },
        },
      });
      clock.advance(239_999);
      expect(server.activeWatches()).toBe(1);
      clock.advance(1);
      await w.done;
      expect(w.ended()).toBe(true);
      expect(w.lines.map((l) => l.type)).toEqual(['BOOKMARK', 'BOOKMARK', 'BOOKMARK', 'BOOKMARK']);
      expect(server.activeWatches()).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('filteredEvent', () => {
  const obj = (app: string): KubeObject => ({ metadata: { name: 'n', labels: { app } } });
  const isWeb = (o: KubeObject) => o.metadata.labels?.['app'] === 'web';
  const ev = (type: StoreEvent['type'], now: string, before?: string): StoreEvent => ({
    rv: 2,
    type,
    resourceKey: '/configmaps',
    object: obj(now),
    ...(before ? { previous: obj(before) } : {}),
  });
  it.each([
    ['ADDED', 'web', undefined, 'ADDED'],
    ['ADDED', 'db', undefined, undefined],
    ['MODIFIED', 'web', 'web', 'MODIFIED'],
    ['MODIFIED', 'web', 'db', 'ADDED'],
    ['MODIFIED', 'db', 'web', 'DELETED'],
    ['MODIFIED', 'db', 'db', undefined],
    ['DELETED', 'web', 'web', 'DELETED'],
    ['DELETED', 'db', 'db', undefined],
  ] as const)('%s now=%s before=%s → %s', (type, now, before, want) => {
    expect(filteredEvent(ev(type, now, before), isWeb)).toBe(want);
  });
});
