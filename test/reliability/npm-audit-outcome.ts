// What one `npm audit --json` run means for `npm run audit`: one line to print and an exit code.
// Three outcomes must never be confused: checked and clean (0), checked with high or critical
// findings (1), and not checked at all because the advisory service could not be reached (3).
// Any other failure of the audit itself (no lockfile, unreadable output) is 2.
export const AUDIT_EXIT = { clean: 0, findings: 1, failed: 2, unreachable: 3 } as const;

interface AuditReport {
  readonly metadata?: { readonly vulnerabilities?: Readonly<Record<string, number>> };
  readonly vulnerabilities?: Readonly<Record<string, { readonly severity: string }>>;
  readonly error?: { readonly code?: string; readonly summary?: string; readonly detail?: string };
  readonly message?: string;
}

export interface AuditRun {
  readonly stdout: string;
  readonly stderr: string;
  /** true when the run was stopped for taking too long */
  readonly timedOut: boolean;
}

export interface AuditOutcome {
  readonly exitCode: number;
  readonly lines: readonly string[];
}

// npm's words for a request to the advisory endpoint that got no usable answer: a refused or
// reset connection, a name that does not resolve, a timeout, or an HTTP error status from the
// endpoint or a proxy in front of it.
const NETWORK_FAILURE =
  /\/-\/npm\/v1\/security\/|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up/;

const firstLine = (text: string | undefined): string => text?.split('\n')[0] || 'no report';

const parse = (stdout: string): AuditReport | undefined => {
  try {
    return JSON.parse(stdout) as AuditReport;
  } catch {
    return undefined;
  }
};

const checked = (report: AuditReport, counts: Readonly<Record<string, number>>): AuditOutcome => {
  const serious = Object.entries(report.vulnerabilities ?? {})
    .filter(([, v]) => v.severity === 'high' || v.severity === 'critical')
    .map(([name, v]) => `  ${v.severity}: ${name}`);
  return {
    exitCode: serious.length > 0 ? AUDIT_EXIT.findings : AUDIT_EXIT.clean,
    lines: [`npm audit --omit=dev: ${JSON.stringify(counts)}`, ...serious],
  };
};

const notChecked = (why: string): AuditOutcome => ({
  exitCode: AUDIT_EXIT.unreachable,
  lines: [
    `npm audit: NOT CHECKED, ${why} (exit 3; not a finding, run it again on a network that reaches the registry)`,
  ],
});

export const auditOutcome = (run: AuditRun, timeoutSeconds: number): AuditOutcome => {
  const report = parse(run.stdout);
  const counts = report?.metadata?.vulnerabilities;
  if (report && counts) return checked(report, counts);
  if (run.timedOut) return notChecked(`the advisory service did not answer within ${timeoutSeconds} s`);
  const why = firstLine(report?.message || report?.error?.summary || run.stderr.trim().split('\n').at(-1));
  if (NETWORK_FAILURE.test(`${why}\n${run.stderr}`))
    return notChecked(`the advisory service could not be reached (${why})`);
  const code = report?.error?.code ? `${report.error.code}: ` : '';
  return { exitCode: AUDIT_EXIT.failed, lines: [`npm audit: failed (${code}${why}) (exit 2)`] };
};
