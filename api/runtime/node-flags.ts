// V8 settings the sidecar runs with, in one place for the injected container (NODE_OPTIONS),
// `weft dev` and the benchmark. A proxy allocates short-lived objects per request; with V8's
// default 1 MiB semi-spaces it scavenges many times a second under load, which costs throughput;
// 4 MiB keeps the throughput of larger semi-spaces for less memory per sidecar (chosen by
// measurement, figures in docs/benchmarks.md). 2 MiB or --optimize-for-size hold 3–7 MB less per
// sidecar at no CPU cost this machine could resolve; they wait for a full bench run (the latter
// also needs the node command line: Node refuses it in NODE_OPTIONS). An old-space cap saved
// ~1 MB and turns growth into a crash; the container's memory limit caps instead. Only flags
// Node accepts in NODE_OPTIONS belong here.
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=4';
