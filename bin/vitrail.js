#!/usr/bin/env node
// The compiled CLI lives in dist/; `npm ci` builds it through the `prepare` script.
import { holdYoungGeneration } from '../dist/src/ops/young-generation.js';

// Before the program loads, so that loading it does not inflate the heap for the life of the process.
holdYoungGeneration();
await import('../dist/src/cli/main.js');
