// Command-line flags of `npm run bench -- …`, parsed into a plan with every problem reported at
// once. Quick mode keeps a whole run under three minutes; full mode gives tighter tails.
import { err, ok, type ConfigIssue, type Result } from '../../api/model/result.ts';
import type { Plan } from './types.ts';

export interface BenchOptions {
  readonly plan: Plan;
  /** Row or hook names to run (empty = everything); `direct` is added when any row is chosen. */
  readonly only: readonly string[];
  readonly outDir?: string;
  readonly setup: boolean;
  readonly notes: readonly string[];
  readonly help: boolean;
  /** Niceness for every bench process (0 = leave alone). */
  readonly nice: number;
}

export const USAGE = `usage: npm run bench -- [--quick] [--only NAME[,NAME…]] [--rates 500,1000,2000]
                      [--out DIR] [--note TEXT] [--nice N] [--no-setup]
  --quick     short windows, 1000 req/s only (whole run < 3 min); default is the full run
  --only      rows (direct, weft-hop, haproxy-mtls-pair, …) or hooks (ca/issuance); "rows" or "hooks" for a group
  --rates     open-loop rates in req/s (CPU per 1000 requests is taken at 1000, or the nearest)
  --out       results directory (default bench/results)
  --note      a line to add to the results file's notes (repeatable)
  --nice      run every bench process at niceness N (e.g. -10 as root on a shared machine)
  --no-setup  do not run bench/setup.sh when a tool is missing`;

// quick: the whole run, hooks included, must stay under 3 minutes (budgetMs). With 17 rows (two
// baselines measured twice) that leaves about 4 s a row: one rate (1000 req/s, where CPU is
// taken) unless --rates says otherwise, and a 1 s closed loop.
const QUICK = {
  rates: [1000],
  warmupMs: 300,
  durationMs: 1200,
  closedLoopSeconds: 1,
  hookTimeoutMs: 45_000,
  budgetMs: 170_000,
};
const FULL = {
  rates: [500, 1000, 2000],
  warmupMs: 3000,
  durationMs: 20_000,
  closedLoopSeconds: 10,
  hookTimeoutMs: 300_000,
  budgetMs: undefined,
};

export const nearest = (rates: readonly number[], want: number): number =>
  rates.reduce((best, r) => (Math.abs(r - want) < Math.abs(best - want) ? r : best), rates[0] ?? want);

const parseRates = (v: string, issues: ConfigIssue[]): number[] => {
  const rates = v.split(',').map(Number);
  if (rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r < 1 || r > 50_000))
    issues.push({ path: '--rates', message: `must be whole numbers 1-50000 separated by commas (got ${v})` });
  return rates;
};

const parseNice = (v: string, issues: ConfigIssue[]): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < -20 || n > 19)
    issues.push({ path: '--nice', message: `must be a whole number -20..19 (got ${v})` });
  return n;
};

export const parseArgs = (argv: readonly string[]): Result<BenchOptions> => {
  const issues: ConfigIssue[] = [];
  let quick = false;
  let rates: number[] | undefined;
  const only: string[] = [];
  const notes: string[] = [];
  let outDir: string | undefined;
  let setup = true;
  let help = false;
  let nice = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) issues.push({ path: a, message: 'needs a value' });
      return v ?? '';
    };
    if (a === '--quick') quick = true;
    else if (a === '--full') quick = false;
    else if (a === '--only') only.push(...value().split(',').filter(Boolean));
    else if (a === '--rates') rates = parseRates(value(), issues);
    else if (a === '--out') outDir = value();
    else if (a === '--note') notes.push(value());
    else if (a === '--nice') nice = parseNice(value(), issues);
    else if (a === '--no-setup') setup = false;
    else if (a === '--help' || a === '-h') help = true;
    else issues.push({ path: a, message: 'unknown flag (see --help)' });
  }
  if (issues.length) return err(issues);
  const windows = quick ? QUICK : FULL;
  const plan: Plan = {
    ...windows,
    mode: quick ? 'quick' : 'full',
    maxConnections: 512,
    drainMs: 5000,
    cpuRate: 0,
  };
  return ok({ plan: withRates(plan, rates), only, outDir, setup, notes, help, nice });
};

/** The chosen rates (else the mode's), with CPU per 1000 requests taken at the one nearest 1000. */
const withRates = (plan: Plan, rates: readonly number[] | undefined): Plan => {
  const chosen = rates ?? plan.rates;
  return { ...plan, rates: chosen, cpuRate: nearest(chosen, 1000) };
};
