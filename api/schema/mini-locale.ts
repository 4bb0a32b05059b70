// zod/mini (the tree-shakable form of zod, for what a sidecar loads) has no messages of its own:
// this gives it zod's English ones, the same classic zod sets. Import it beside `zod/mini`.
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
