// One thing `weft analyze` found: which object, which field, how bad, what to do. Compiler
// issues (api/model ConfigIssue, "file: Kind ns/name: field" + message) map onto the same shape.
import type { ConfigIssue } from '../../api/model/result.ts';

export type Severity = 'error' | 'warning';

export interface Finding {
  /** Stable name of the check, for filtering in CI (`compile`, `split-backend-no-endpoints`, …). */
  readonly check: string;
  readonly severity: Severity;
  /** File (offline) or `kube://…` (live) the object came from; absent when not tied to one. */
  readonly source?: string;
  /** `Kind namespace/name`. */
  readonly object: string;
  /** Dotted path of the field at fault, or '' for the whole object. */
  readonly field: string;
  readonly message: string;
  readonly fix: string;
}

/** "a.yaml: TrafficSplit demo/x: spec.backends[0].service" → its source, object and field. */
const splitPath = (path: string): { source?: string; object: string; field: string } => {
  const m = /^(?:(.+?): )?([A-Z][A-Za-z]* (?:[^\s:/]+\/)?[^\s:]+)(?:: (.*))?$/.exec(path);
  // Not about one object (a YAML syntax error): the whole path is where, "file:line".
  if (!m) return { source: path, object: '(file)', field: '' };
  return { ...(m[1] ? { source: m[1] } : {}), object: m[2] ?? path, field: m[3] ?? '' };
};

/** The compiler's messages say the fix after the first colon ("no Service x is defined: create it"). */
const fixOf = (message: string): string => {
  if (message.startsWith('is not valid YAML'))
    return 'correct the YAML at that line (the document is skipped)';
  const at = message.indexOf(': ');
  return at > 0 ? message.slice(at + 2) : `correct the field: it ${message}`;
};

export const fromIssue = (issue: ConfigIssue): Finding => ({
  check: 'compile',
  severity: 'error',
  ...splitPath(issue.path),
  message: issue.message,
  fix: fixOf(issue.message),
});

export const byPlace = (a: Finding, b: Finding): number =>
  (a.source ?? '').localeCompare(b.source ?? '') ||
  a.object.localeCompare(b.object) ||
  a.field.localeCompare(b.field) ||
  a.check.localeCompare(b.check);
