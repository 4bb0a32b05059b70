// The YAML parser, behind a module of its own so that static-source.ts can import it on first use
// (a bundled dynamic import of the CommonJS `yaml` package itself would lose its named exports).
export { parse } from 'yaml';
