// Child of import-cost.ts: imports each specifier given on the command line in order and, after
// each, collects garbage twice and prints one JSON line with RSS and V8 heap in use. Runs with
// --expose-gc; a specifier is a package name (resolved from the repository) or a file URL.
import { readFileSync } from 'node:fs';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const rssKb = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);

const sample = (step: string): void => {
  gc();
  gc();
  const m = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({ step, rssKb: rssKb(), heapUsed: m.heapUsed, external: m.external })}\n`,
  );
};

sample('(node itself)');
for (const spec of process.argv.slice(2)) {
  await import(spec);
  sample(spec);
}
