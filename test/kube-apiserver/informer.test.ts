// client-node's informer (makeInformer / ListWatch), unmodified, against the stand-in: events,
// reconnection after dropped connections and relisting after 410 Gone.
import { CoreV1Api, makeInformer, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from './server.ts';
import { waitFor } from './wait-for.ts';

type Seen = { type: 'add' | 'update' | 'delete'; name: string; rv: string; data: string };

const cm = (name: string, v: string): V1ConfigMap => ({ metadata: { name }, data: { v } });

describe('informer against the stand-in', () => {
  let server: KubeApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;

  beforeEach(async () => {
    server = await startKubeApiServer({ watchHistory: 50 });
    kc = server.kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
  });
  afterEach(async () => {
    await server.close();
  });

  const startInformer = async (restartOnError: boolean) => {
    const seen: Seen[] = [];
    const errors: unknown[] = [];
    const informer = makeInformer(kc, '/api/v1/namespaces/default/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'default' }),
    );
    const record = (type: Seen['type']) => (o: V1ConfigMap) =>
      seen.push({
        type,
        name: o.metadata?.name ?? '',
        rv: o.metadata?.resourceVersion ?? '',
        data: o.data?.['v'] ?? '',
      });
    informer.on('add', record('add'));
    informer.on('update', record('update'));
    informer.on('delete', record('delete'));
    informer.on('error', (e) => {
      errors.push(e);
      // What weft's resilient watch wrapper does: restart (here at once; it would back off).
      if (restartOnError) setImmediate(() => void informer.start());
    });
    await informer.start();
    return { informer, seen, errors };
  };

  it('delivers ADDED, MODIFIED and DELETED as add/update/delete', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('before', '0') });
    const { informer, seen } = await startInformer(false);
    expect(seen).toMatchObject([{ type: 'add', name: 'before' }]);
    await waitFor(() => server.activeWatches() === 1, 'the watch to open');
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('a', '1') });
    await core.patchNamespacedConfigMap({
      name: 'a',
      namespace: 'default',
      body: [{ op: 'replace', path: '/data/v', value: '2' }],
    });
    await core.deleteNamespacedConfigMap({ name: 'a', namespace: 'default' });
    await waitFor(() => seen.length === 4, 'four events');
    expect(seen.slice(1).map((s) => `${s.type}:${s.name}:${s.data}`)).toEqual([
      'add:a:1',
      'update:a:2',
      'delete:a:2',
    ]);
    // The DELETED object carries a fresh resourceVersion, newer than the last MODIFIED one.
    expect(Number(seen[3]?.rv)).toBeGreaterThan(Number(seen[2]?.rv));
    await informer.stop();
  });

  it('reconnects after dropped watches and converges with no lost or duplicated events', async () => {
    const { informer, seen, errors } = await startInformer(true);
    for (let round = 0; round < 5; round++) {
      await waitFor(() => server.activeWatches() === 1, `watch ${round} to open`);
      await core.createNamespacedConfigMap({ namespace: 'default', body: cm(`r${round}`, 'x') });
      await waitFor(() => seen.some((s) => s.name === `r${round}`), `r${round} to arrive`);
      expect(server.dropWatches()).toBe(1);
      // Written while no watch is open: must arrive by replay from the last resourceVersion.
      await core.createNamespacedConfigMap({ namespace: 'default', body: cm(`gap${round}`, 'y') });
      await core.deleteNamespacedConfigMap({ name: `r${round}`, namespace: 'default' });
    }
    await waitFor(() => seen.filter((s) => s.type === 'delete').length === 5, 'all deletes');
    expect(errors.length).toBeGreaterThanOrEqual(5);
    const names = seen
      .filter((s) => s.type === 'add')
      .map((s) => s.name)
      .sort();
    expect(names).toEqual([0, 1, 2, 3, 4].flatMap((r) => [`gap${r}`, `r${r}`]).sort());
    expect(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['gap0', 'gap1', 'gap2', 'gap3', 'gap4']);
    // Replay resumed after the last seen resourceVersion: no re-list happened.
    expect(server.requests().filter((r) => r.method === 'GET' && !r.query.includes('watch')).length).toBe(1);
    await informer.stop();
  });

  it('relists after 410 Gone when its resourceVersion was compacted away', async () => {
    const { informer, seen, errors } = await startInformer(false);
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('kept', '1') });
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('removed', '1') });
    await waitFor(() => seen.length === 2, 'two adds');
    server.dropWatches();
    await waitFor(() => errors.length === 1, 'the informer to notice the drop');
    // While disconnected: changes, then the history that would replay them is compacted.
    await core.deleteNamespacedConfigMap({ name: 'removed', namespace: 'default' });
    await core.replaceNamespacedConfigMap({ name: 'kept', namespace: 'default', body: cm('kept', '2') });
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('new', '1') });
    server.compactHistory();
    await informer.start(); // resumes from its old resourceVersion: 410, then a relist
    await waitFor(
      () => informer.list().length === 2 && informer.get('kept', 'default')?.data?.['v'] === '2',
      'relist',
    );
    expect(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['kept', 'new']);
    expect(seen.filter((s) => s.name === 'removed').map((s) => s.type)).toEqual(['add', 'delete']);
    expect(seen.filter((s) => s.name === 'kept').map((s) => s.type)).toEqual(['add', 'update']);
    const lists = server.requests().filter((r) => r.method === 'GET' && !r.query.includes('watch'));
    expect(lists.length).toBe(2);
    await informer.stop();
  });
});
