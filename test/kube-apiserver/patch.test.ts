import { describe, expect, it } from 'vitest';
import { applyPatchBody, JSON_PATCH, MERGE_PATCH, mergePatch, STRATEGIC_MERGE_PATCH } from './patch.ts';
import type { Json } from './types.ts';

describe('JSON merge patch (RFC 7386 appendix A cases)', () => {
  it.each<[Json, Json, Json]>([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j → %j', (target, patch, want) => {
    expect(mergePatch(target, patch)).toEqual(want);
  });

  it('does not modify its inputs', () => {
    const target = { a: { b: 1 } };
    mergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('applyPatchBody', () => {
  const doc = { metadata: { name: 'x', labels: { a: '1' } }, spec: { list: [1, 2] } };

  it('treats strategic merge patch as merge patch (lists are replaced whole)', () => {
    expect(applyPatchBody(STRATEGIC_MERGE_PATCH, doc, { spec: { list: [3] } })).toEqual({
      ...doc,
      spec: { list: [3] },
    });
    expect(applyPatchBody(`${MERGE_PATCH}; charset=utf-8`, doc, { metadata: { labels: null } })).toEqual({
      ...doc,
      metadata: { name: 'x' },
    });
  });

  it('applies JSON patches and maps failures to 422 (does not apply) or 400 (malformed)', () => {
    expect(applyPatchBody(JSON_PATCH, doc, [{ op: 'add', path: '/spec/list/-', value: 3 }])).toEqual({
      ...doc,
      spec: { list: [1, 2, 3] },
    });
    expect(() =>
      applyPatchBody(JSON_PATCH, doc, [{ op: 'test', path: '/metadata/name', value: 'y' }]),
    ).toThrow(expect.objectContaining({ code: 422 }));
    expect(() => applyPatchBody(JSON_PATCH, doc, [{ op: 'remove', path: '/nope' }])).toThrow(
      expect.objectContaining({ code: 422 }),
    );
    expect(() => applyPatchBody(JSON_PATCH, doc, [{ op: 'frobnicate', path: '/a' }])).toThrow(
      expect.objectContaining({ code: 400 }),
    );
    expect(() => applyPatchBody(JSON_PATCH, doc, { op: 'add' })).toThrow(
      expect.objectContaining({ code: 400 }),
    );
    expect(doc.spec.list).toEqual([1, 2]);
  });

  it('answers 415 for server-side apply and unknown types', () => {
    expect(() => applyPatchBody('application/apply-patch+yaml', doc, {})).toThrow(
      expect.objectContaining({ code: 415 }),
    );
  });
});
