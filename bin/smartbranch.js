#!/usr/bin/env node
// The TypeScript sources run as they are, through tsx's loader: no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../cli/index.ts');
