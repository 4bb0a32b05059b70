// `npm run audit`: npm audit of the production dependencies (--omit=dev). Exit codes (see
// docs/security.md): 0 checked, no high or critical advisory; 1 high or critical findings, listed;
// 2 the audit itself failed (e.g. no lockfile); 3 not checked, the advisory service could not be
// reached. Nothing in `npm test` or .ci/run calls it, so a network that cannot reach the service
// never blocks a build.
import { spawnSync } from 'node:child_process';
import { auditOutcome } from './npm-audit-outcome.ts';

const TIMEOUT_SECONDS = 120;
const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
  encoding: 'utf8',
  timeout: TIMEOUT_SECONDS * 1000,
});
const outcome = auditOutcome(
  {
    stdout: run.stdout ?? '',
    stderr: run.stderr ?? '',
    timedOut: (run.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
  },
  TIMEOUT_SECONDS,
);
process.stdout.write(`${outcome.lines.join('\n')}\n`);
process.exit(outcome.exitCode);
