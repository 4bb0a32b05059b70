// One line of `weft check`: a named check in a group, passed (✓), failed (×) or a warning (‼),
// with what was seen and, when not passed, a hint that says what to do.
export type CheckStatus = 'pass' | 'fail' | 'warn';

export interface CheckResult {
  readonly group: string;
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail?: string;
  readonly hint?: string;
}

export const pass = (group: string, name: string, detail?: string): CheckResult => ({
  group,
  name,
  status: 'pass',
  ...(detail ? { detail } : {}),
});

export const fail = (group: string, name: string, detail: string, hint: string): CheckResult => ({
  group,
  name,
  status: 'fail',
  detail,
  hint,
});

export const warn = (group: string, name: string, detail: string, hint: string): CheckResult => ({
  group,
  name,
  status: 'warn',
  detail,
  hint,
});

const MARK: Readonly<Record<CheckStatus, string>> = { pass: '✓', fail: '×', warn: '‼' };

/** Groups in first-seen order, each check on its line, the hint indented below a failure. */
export const renderChecks = (results: readonly CheckResult[]): string => {
  const groups = [...new Set(results.map((r) => r.group))];
  const lines = groups.flatMap((g) => [
    g,
    '-'.repeat(g.length),
    ...results
      .filter((r) => r.group === g)
      .flatMap((r) => [
        `${MARK[r.status]} ${r.name}${r.detail ? `: ${r.detail}` : ''}`,
        ...(r.hint ? [`    see: ${r.hint}`] : []),
      ]),
    '',
  ]);
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  lines.push(
    failed > 0
      ? `Status check results are × (${failed} failed, ${warned} warning(s))`
      : `Status check results are ✓${warned > 0 ? ` (${warned} warning(s))` : ''}`,
  );
  return lines.join('\n');
};
