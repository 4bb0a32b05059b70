import { describe, expect, it } from 'vitest';
import { IN_CLUSTER_NAMESPACE_FILE, ownNamespace } from './own-namespace.ts';

const file =
  (content: string | Error) =>
  (path: string): string => {
    expect(path).toBe(IN_CLUSTER_NAMESPACE_FILE);
    if (content instanceof Error) throw content;
    return content;
  };

describe('ownNamespace', () => {
  it('prefers --namespace, then POD_NAMESPACE, then the in-cluster file, then weft-system', () => {
    const all = { podNamespace: 'from-pod', inCluster: true, readFile: file('from-file\n') };
    expect(ownNamespace({ ...all, flag: 'explicit' })).toEqual({
      namespace: 'explicit',
      from: '--namespace',
    });
    expect(ownNamespace(all)).toEqual({ namespace: 'from-pod', from: 'POD_NAMESPACE' });
    expect(ownNamespace({ ...all, podNamespace: ' ' })).toEqual({
      namespace: 'from-file',
      from: IN_CLUSTER_NAMESPACE_FILE,
    });
    expect(ownNamespace({ inCluster: true, readFile: file(new Error('ENOENT')) })).toEqual({
      namespace: 'weft-system',
      from: 'default',
    });
  });

  it('reads the service account mount only in cluster (a kubeconfig run is not in that pod)', () => {
    expect(ownNamespace({ inCluster: false, readFile: () => 'mounted' }).namespace).toBe('weft-system');
  });
});
