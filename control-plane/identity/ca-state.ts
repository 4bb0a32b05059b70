// The CA directory's state.json and the three root-rotation stages as pure transitions:
// add (new root trusted, not signing) → switch (new root signs, old still trusted) → remove.
import { err, ok, type ConfigIssue, type Result } from '../../api/model/result.ts';

export interface CaState {
  readonly version: 1;
  /** Authority that signs workload certificates. */
  readonly active: string;
  /** Further authorities whose roots are in the trust bundle. */
  readonly trusted: readonly string[];
  /** Added by `rotate --stage add`, waiting for `switch`. */
  readonly next?: string;
  /** The old signer after `switch`, waiting for `remove`. */
  readonly previous?: string;
}

export type RotationStage = 'add' | 'switch' | 'remove';

const ID_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

const stateIssue = (path: string, message: string): ConfigIssue => ({ path: `state.json: ${path}`, message });

export const parseCaState = (raw: unknown): Result<CaState> => {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  if (o.version !== 1) issues.push(stateIssue('version', 'must be 1'));
  if (typeof o.active !== 'string' || !ID_RE.test(o.active))
    issues.push(stateIssue('active', 'must name an authority directory (a-z, 0-9, . _ -)'));
  const trusted = Array.isArray(o.trusted) ? o.trusted : [];
  if (!Array.isArray(o.trusted)) issues.push(stateIssue('trusted', 'must be a list of authority names'));
  trusted.forEach((t, i) => {
    if (typeof t !== 'string' || !ID_RE.test(t))
      issues.push(stateIssue(`trusted[${i}]`, 'must name an authority'));
  });
  for (const k of ['next', 'previous'] as const)
    if (o[k] !== undefined && typeof o[k] !== 'string') issues.push(stateIssue(k, 'must be a string'));
  if (issues.length > 0) return err(issues);
  return ok(o as unknown as CaState);
};

/** Every authority directory the control plane must load, active first. */
export const authorityIds = (s: CaState): string[] => [...new Set([s.active, ...s.trusted])];

export const applyStage = (s: CaState, stage: RotationStage, newId?: string): Result<CaState> => {
  const fail = (message: string): Result<never> => err([{ path: `rotate --stage ${stage}`, message }]);
  switch (stage) {
    case 'add':
      if (s.next !== undefined) return fail(`root ${s.next} was already added; run --stage switch next`);
      if (s.previous !== undefined)
        return fail(`old root ${s.previous} is still trusted; run --stage remove first`);
      if (!newId || authorityIds(s).includes(newId)) return fail('needs a new, unused authority name');
      return ok({ version: 1, active: s.active, trusted: [...s.trusted, newId], next: newId });
    case 'switch':
      if (s.next === undefined) return fail('no added root to switch to; run --stage add first');
      return ok({
        version: 1,
        active: s.next,
        trusted: [s.active, ...s.trusted.filter((t) => t !== s.next && t !== s.active)],
        previous: s.active,
      });
    case 'remove':
      if (s.previous === undefined) return fail('no previous root to remove; run --stage switch first');
      return ok({ version: 1, active: s.active, trusted: s.trusted.filter((t) => t !== s.previous) });
  }
};
