// HTTP/2 flow-control sizes for both sides of every h2 hop.
//
// The per-stream window is also what a sidecar parks for a caller that stops reading: the body is
// piped with backpressure, so once the caller's side is full the upstream stream is paused and
// Node stops acknowledging its DATA, and the upstream may send at most one window more. Node's
// 64 KiB default made big bodies crawl; 1 MiB let twenty never-reading gRPC clients park ~28 MiB
// in a sidecar pair (test/reliability/h2-slow-readers). 256 KiB per stream still carries
// ~250 MB/s per stream at a 1 ms round trip.
import type { Settings } from 'node:http2';

export const H2_STREAM_WINDOW = 256 << 10;
export const H2_SETTINGS: Settings = { initialWindowSize: H2_STREAM_WINDOW, maxConcurrentStreams: 1000 };
/**
 * Connection-level receive window, applied once a session is up. Node acknowledges connection
 * window as soon as bytes arrive (only the stream window waits for the reader), so this bounds
 * nothing a slow reader holds; large, so many streams never wait on each other here.
 */
export const H2_CONNECTION_WINDOW = 16 << 20;
