import { describe, expect, it } from 'vitest';
import type { PodRecord } from '../sources/types.ts';
import { podNameOf, podOwners } from './pod-identity.ts';

const pods = new Map<string, PodRecord>([
  ['10.0.0.1', { namespace: 'shop', pod: 'web-0', serviceAccount: 'web' }],
  ['10.0.0.2', { namespace: 'shop', pod: 'web-1', serviceAccount: 'default' }],
  ['10.0.0.9', { namespace: 'other', pod: 'x', serviceAccount: 'x' }],
]);
const ownerOf = podOwners(pods, 'td');

describe('podOwners', () => {
  it.each([
    [
      'by targetRef',
      { namespace: 'shop', address: '10.9.9.9', pod: 'web-0' },
      'web-0 spiffe://td/ns/shop/sa/web',
    ],
    ['by pod IP', { namespace: 'shop', address: '10.0.0.2' }, 'web-1 spiffe://td/ns/shop/sa/default'],
    [
      'a named pod that is not known: none, even if the IP is',
      { namespace: 'shop', address: '10.0.0.1', pod: 'web-7' },
      'none',
    ],
    ['a pod of another namespace: none', { namespace: 'shop', address: '10.0.0.9' }, 'none'],
    ['an unknown address: none', { namespace: 'shop', address: '10.0.0.3' }, 'none'],
  ])('%s', (_name, ref, expected) => {
    const o = ownerOf(ref);
    expect(o ? `${o.workload} ${o.identity}` : 'none').toBe(expected);
  });

  it('reads a targetRef only when it names a Pod', () => {
    expect(podNameOf({ kind: 'Pod', name: 'p' })).toBe('p');
    expect(podNameOf({ kind: 'Node', name: 'n' })).toBeUndefined();
    expect(podNameOf(undefined)).toBeUndefined();
    expect(podNameOf({ kind: 'Pod', name: 3 })).toBeUndefined();
  });
});
