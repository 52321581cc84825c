#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the hub ships as source with no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
