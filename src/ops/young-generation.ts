import v8 from 'node:v8';

/** V8's default for --semi-space-growth-factor. */
const DEFAULT_GROWTH_FACTOR = 2;
const GROWTH_FLAG = '--semi-space-growth-factor';

/** Tells whether the operator set the flag, in Node's arguments or NODE_OPTIONS; their setting then stays. */
function setByOperator(): boolean {
  return process.execArgv.some((argument) => argument.startsWith(GROWTH_FLAG)) || (process.env.NODE_OPTIONS ?? '').includes(GROWTH_FLAG);
}

/**
 * Keeps V8's young generation at its initial size while the program loads. Start-up allocation otherwise
 * grows it to its maximum (32 MiB measured here), which an idle process never gives back.
 */
export function holdYoungGeneration(): void {
  if (!setByOperator()) v8.setFlagsFromString(`${GROWTH_FLAG}=1`);
}

/** Lets the young generation grow again once start-up is over, since a larger one collects less often under load. */
export function releaseYoungGeneration(): void {
  if (!setByOperator()) v8.setFlagsFromString(`${GROWTH_FLAG}=${DEFAULT_GROWTH_FACTOR}`);
}
