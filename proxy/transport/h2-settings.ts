// HTTP/2 flow-control sizes for both sides of every h2 hop. Node's defaults (64 KiB windows)
// cap a single stream at a few MB/s on loopback; larger windows let big bodies stream.
import type { Settings } from 'node:http2';

export const H2_SETTINGS: Settings = { initialWindowSize: 1 << 20, maxConcurrentStreams: 1000 };
/** Connection-level receive window, applied once a session is up. */
export const H2_CONNECTION_WINDOW = 16 << 20;
