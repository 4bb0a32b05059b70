import { describe, expect, it } from 'vitest';
import { applyStage, authorityIds, parseCaState, type CaState } from './ca-state.ts';

const steady: CaState = { version: 1, active: 'root-a', trusted: [] };

describe('root rotation stages', () => {
  it('add → switch → remove moves signing to the new root and then drops the old one', () => {
    const added = applyStage(steady, 'add', 'root-b');
    expect(added).toEqual({
      ok: true,
      value: { version: 1, active: 'root-a', trusted: ['root-b'], next: 'root-b' },
    });
    const switched = added.ok ? applyStage(added.value, 'switch') : added;
    expect(switched).toEqual({
      ok: true,
      value: { version: 1, active: 'root-b', trusted: ['root-a'], previous: 'root-a' },
    });
    const removed = switched.ok ? applyStage(switched.value, 'remove') : switched;
    expect(removed).toEqual({ ok: true, value: { version: 1, active: 'root-b', trusted: [] } });
  });

  it.each<[string, CaState, 'add' | 'switch' | 'remove', string | undefined, RegExp]>([
    ['switch before add', steady, 'switch', undefined, /run --stage add first/],
    ['remove before switch', steady, 'remove', undefined, /run --stage switch first/],
    ['a second add', { ...steady, trusted: ['root-b'], next: 'root-b' }, 'add', 'root-c', /already added/],
    [
      'add while the old root is still trusted',
      { ...steady, trusted: ['root-0'], previous: 'root-0' },
      'add',
      'root-c',
      /remove first/,
    ],
    ['add reusing a name', steady, 'add', 'root-a', /unused authority name/],
  ])('refuses %s', (_n, state, stage, id, message) => {
    const r = applyStage(state, stage, id);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error[0]?.message).toMatch(message);
  });

  it('parses state.json and reports every bad field at once', () => {
    expect(parseCaState({ version: 1, active: 'root-a', trusted: ['old'] }).ok).toBe(true);
    const r = parseCaState({ version: 2, active: '../etc', trusted: [3] });
    expect(r.ok ? [] : r.error.map((i) => i.path)).toEqual([
      'state.json: version',
      'state.json: active',
      'state.json: trusted[0]',
    ]);
  });

  it('loads the active authority first, without duplicates', () => {
    expect(authorityIds({ version: 1, active: 'b', trusted: ['a', 'b'] })).toEqual(['b', 'a']);
  });
});
