// V8 settings the sidecar runs with, in one place for the injected container (NODE_OPTIONS),
// `weft dev` and the benchmark. A proxy allocates short-lived objects per request; with V8's
// default 1 MiB semi-spaces it scavenges many times a second under load. 16 MiB semi-spaces cut
// scavenges several-fold and raised pair throughput by ~15 % in bench runs, for ~30 MB more RSS
// under load (docs/benchmarks.md). Only flags Node accepts in NODE_OPTIONS belong here.
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=16';
