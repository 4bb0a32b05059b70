// `node --import test/helpers/record-modules.ts …`: records the URL of every module the process
// resolves (ES imports and CommonJS requires alike, through module.registerHooks) and writes them,
// one per line, to the file named by WEFT_RECORD_MODULES when the process exits.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.WEFT_RECORD_MODULES;
if (!out) throw new Error('record-modules: set WEFT_RECORD_MODULES to the output file');
const seen = new Set<string>();
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    seen.add(r.url);
    return r;
  },
});
process.on('exit', () => writeFileSync(out, [...seen].join('\n')));
