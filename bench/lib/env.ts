// The bench's one environment variable: quick mode, which the runner sets for its hooks so each
// keeps itself to a few seconds of a quick run's three-minute budget.

export const QUICK_ENV = 'WEFT_BENCH_QUICK';

/** True inside a hook started by `npm run bench -- --quick`. */
export const benchQuick = (): boolean => process.env[QUICK_ENV] === '1';
