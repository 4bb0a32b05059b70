// V8 settings the sidecar runs with, in one place for the injected container (NODE_OPTIONS),
// `weft dev` and the benchmark. A proxy allocates short-lived objects per request; with V8's
// default 1 MiB semi-spaces it scavenges many times a second under load. Chosen by measurement
// (docs/benchmarks.md): 16 MiB semi-spaces once gave ~15 % more pair throughput, but since the
// transport allocates less per request, 4 MiB gives the same throughput (lab pair 10.8–10.9k vs
// 10.7–11.0k req/s) for 15–25 MB less RSS per sidecar under load (HTTP/1.1 pair ~101 vs ~116 MB
// per end, gRPC hop ~165 vs ~190 MB); 1 MiB costs ~5 % throughput. Only flags Node accepts in
// NODE_OPTIONS belong here.
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=4';
