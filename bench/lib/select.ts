// Which rows and hooks a run covers, from `--only`. Added latency needs the direct baseline, so
// choosing any row brings the direct row of its protocol along; rows keep their run order.
import type { Hook } from './hooks.ts';
import type { Scenario } from './scenario.ts';

export interface Selection {
  readonly rows: readonly Scenario[];
  readonly hooks: readonly Hook[];
  /** Names that matched nothing. */
  readonly unknown: readonly string[];
}

export const select = (
  only: readonly string[],
  rows: readonly Scenario[],
  hooks: readonly Hook[],
): Selection => {
  if (only.length === 0) return { rows, hooks, unknown: [] };
  const want = new Set(only);
  const allRows = want.has('rows');
  const allHooks = want.has('hooks');
  const unknown = only.filter(
    (n) =>
      n !== 'rows' && n !== 'hooks' && !rows.some((r) => r.name === n) && !hooks.some((h) => h.name === n),
  );
  const chosen = rows.filter((r) => allRows || want.has(r.name));
  // each chosen protocol brings its own direct baseline, unless it is already chosen
  const bases = rows.filter(
    (b) => b.shape === 'direct' && !chosen.includes(b) && chosen.some((r) => r.protocol === b.protocol),
  );
  const withBase = rows.filter((r) => bases.includes(r) || chosen.includes(r));
  return { rows: withBase, hooks: hooks.filter((h) => allHooks || want.has(h.name)), unknown };
};
