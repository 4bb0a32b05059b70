import { describe, expect, it } from 'vitest';
import type { RouteMatch } from '../../api/model/snapshot.ts';
import { covers } from './route-checks.ts';

describe('covers (an earlier route takes every request of a later one)', () => {
  it.each<[string, RouteMatch, RouteMatch, boolean]>([
    ['empty match covers anything', {}, { pathRegex: '/a', methods: ['GET'] }, true],
    ['same path, any method covers GET', { pathRegex: '/a' }, { pathRegex: '/a', methods: ['GET'] }, true],
    ['GET does not cover any method', { pathRegex: '/a', methods: ['GET'] }, { pathRegex: '/a' }, false],
    ['GET+POST covers GET', { methods: ['GET', 'POST'] }, { methods: ['GET'] }, true],
    ['different regexes are never called overlapping', { pathRegex: '/.*' }, { pathRegex: '/a' }, false],
    ['a header rule the later lacks', { headers: { x: 'y' } }, {}, false],
    ['a header rule the later has too', { headers: { x: 'y' } }, { headers: { x: 'y', z: '1' } }, true],
  ])('%s', (_name, first, later, expected) => {
    expect(covers(first, later)).toBe(expected);
  });
});
