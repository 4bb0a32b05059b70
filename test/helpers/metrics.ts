// Reads a sidecar's /metrics page and sums the samples of one metric whose labels include the
// given ones (Prometheus text format, parsed just enough for tests).
import { request } from 'node:http';

export const scrape = (port: number, path = '/metrics'): Promise<string> =>
  new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.once('end', () => resolve(text));
    })
      .once('error', reject)
      .end();
  });

export const metricValue = (text: string, name: string, labels: Record<string, string>): number => {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const labelText = line.slice(name.length + 1, close);
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`)))
      sum += Number(line.slice(close + 1).trim());
  }
  return sum;
};
