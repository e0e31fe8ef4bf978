#!/usr/bin/env node
// The `plansync` command: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../agent/cli.ts');
