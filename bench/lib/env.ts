// The bench's environment variables: quick mode, which the runner sets for its hooks so each
// keeps itself to a few seconds of a quick run's three-minute budget, and extra V8 flags for the
// weft sidecars (profiling: WEFT_BENCH_SIDECAR_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"), and
// whether they run the sources rather than the build.

export const QUICK_ENV = 'WEFT_BENCH_QUICK';
export const SIDECAR_FLAGS_ENV = 'WEFT_BENCH_SIDECAR_FLAGS';
/** 1: weft rows run the .ts sources instead of the bundle the image ships. */
export const FROM_SOURCE_ENV = 'WEFT_BENCH_FROM_SOURCE';

/** True inside a hook started by `npm run bench -- --quick`. */
export const benchQuick = (): boolean => process.env[QUICK_ENV] === '1';

/** Extra node flags for every weft sidecar the bench starts (empty unless the variable is set). */
export const extraSidecarFlags = (): string[] =>
  (process.env[SIDECAR_FLAGS_ENV] ?? '').split(' ').filter((f) => f.length > 0);
