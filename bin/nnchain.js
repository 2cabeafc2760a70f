#!/usr/bin/env node
// The `nnchain` command: loads the TypeScript CLI through tsx's ESM loader (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/harness/cli/nnchain.ts');
