// The Prometheus text parser lives in api/metrics (the control plane's canary analysis reads it too).
export * from '../../api/metrics/prom-text.ts';
