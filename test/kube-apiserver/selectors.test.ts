import { describe, expect, it } from 'vitest';
import {
  fromLabelSelectorObject,
  matchesFields,
  matchesRequirements,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.ts';

const labels = { app: 'web', tier: 'front' };

describe('label selector strings', () => {
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['app in (web, api)', true],
    ['app notin (web)', false],
    ['missing notin (x)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['app=web,tier in (back)', false],
    ['app in (web,api),tier=front', true],
  ])('%j matches %j → %s', (sel, want) => {
    expect(matchesRequirements(parseLabelSelector(sel), labels)).toBe(want);
  });

  it.each(['app=web=x', 'app in web', '=x', 'a b'])('rejects %j with a 400', (sel) => {
    expect(() => parseLabelSelector(sel)).toThrow(
      expect.objectContaining({ code: 400, reason: 'BadRequest' }),
    );
  });
});

describe('LabelSelector objects (webhooks)', () => {
  it.each([
    [undefined, true],
    [{}, true],
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'db' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'x'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'weft.dev/inject', operator: 'DoesNotExist' }] }, true],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
  ])('%j → %s', (sel, want) => {
    expect(matchesRequirements(fromLabelSelectorObject(sel), labels)).toBe(want);
  });

  it('rejects unknown operators', () => {
    expect(() => fromLabelSelectorObject({ matchExpressions: [{ key: 'a', operator: 'Gt' }] })).toThrow();
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns' }, status: { phase: 'Running' } };
  it.each([
    ['metadata.name=p', true],
    ['metadata.name!=p', false],
    ['metadata.namespace==ns,status.phase=Running', true],
    ['status.phase=Pending', false],
  ])('%j → %s', (sel, want) => {
    expect(matchesFields(parseFieldSelector(sel, 'Pod'), pod)).toBe(want);
  });

  it('rejects fields the real server does not index for the kind', () => {
    expect(() => parseFieldSelector('status.phase=Running', 'ConfigMap')).toThrow(
      /field label not supported/,
    );
  });
});
