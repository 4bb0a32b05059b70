// The diff must be a valid RFC 6902 patch: replayed by an independent implementation
// (fast-json-patch) onto the original it must give the target, for any pair of JSON values.
import fc from 'fast-check';
import fjp from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { diffJson, escapePointer, pointerTokens } from './json-patch.ts';
import type { Json } from './json.ts';

const replay = (a: Json, b: Json): unknown => {
  const doc = { root: structuredClone(a) };
  const ops = diffJson({ root: a }, { root: b }) as fjp.Operation[];
  return fjp.applyPatch(doc, ops, true, false).newDocument.root;
};

// Keys with "~" and "/" (annotation names) and arrays of named objects (containers).
const key = fc.constantFrom('a', 'b', 'name', 'x/y', 'a~b', '~1', 'prometheus.io/port', '');
const named = fc.record({
  name: fc.constantFrom('app', 'proxy', 'init', 'x'),
  v: fc.integer({ min: 0, max: 3 }),
});
const json: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom<Json>(null, true, 0, 1, 'a', ''),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(named, { maxLength: 5 }) as fc.Arbitrary<Json>,
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('diffJson', () => {
  it('produces a patch that turns a into b (fast-json-patch as the referee)', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(replay(a, b)).toEqual(b);
      }),
      { numRuns: 2000, seed: 1337 },
    );
  });

  it('is empty for equal values, whatever the key order', () => {
    expect(diffJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toEqual([]);
  });

  it('escapes ~ before / in keys (RFC 6901)', () => {
    expect(escapePointer('a~1/b')).toBe('a~01~1b');
    expect(pointerTokens('/metadata/annotations/weft.io~1inject~0x')).toEqual([
      'metadata',
      'annotations',
      'weft.io/inject~x',
    ]);
    expect(diffJson({ m: {} }, { m: { 'prometheus.io/port': '15090' } })).toEqual([
      { op: 'add', path: '/m/prometheus.io~1port', value: '15090' },
    ]);
  });

  it('inserts a container in front without rewriting the ones after it', () => {
    const before = [{ name: 'app', image: 'a' }, { name: 'log' }];
    const after = [{ name: 'weft-proxy' }, { name: 'app', image: 'b' }, { name: 'log' }];
    expect(diffJson(before, after)).toEqual([
      { op: 'add', path: '/0', value: { name: 'weft-proxy' } },
      { op: 'replace', path: '/1/image', value: 'b' },
    ]);
  });
});
