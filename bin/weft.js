#!/usr/bin/env node
// Entry point for `npx weft`: the CLI is TypeScript that Node 24 runs directly (type stripping).
import '../cli/main.ts';
