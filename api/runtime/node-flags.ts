// V8 settings the sidecar runs with, in one place for the injected container (NODE_OPTIONS),
// `weft dev` and the benchmark. A proxy allocates short-lived objects per request; with V8's
// default 1 MiB semi-spaces it scavenges many times a second under load, which costs throughput;
// 4 MiB keeps the throughput of larger semi-spaces for less memory per sidecar (chosen by
// measurement, figures in docs/benchmarks.md). Only flags Node accepts in NODE_OPTIONS belong here.
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=4';
