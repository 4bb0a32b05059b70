// The figures of `weft stat` live in api/metrics (the control plane's canary analysis reads them too).
export * from '../../api/metrics/figures.ts';
