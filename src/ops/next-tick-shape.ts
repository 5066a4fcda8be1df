import { executionAsyncResource } from 'node:async_hooks';

let heldEntry: object | null = null;

/**
 * Keeps one entry of Node's nextTick queue alive for the life of the process, so that V8 keeps the shape of
 * those entries, and the public path stays fast after the server has been idle.
 *
 * Node makes each entry with an object literal whose first keys are computed: its async id symbols. V8
 * adds such keys through map transitions, which a full collection drops along with the maps when no entry
 * is alive. That is the case whenever one runs on an idle server: V8's memory reducer runs one some 20 s
 * after the last request, and the idle memory release one after 10 s. Afterwards, in Vitrail's process (not
 * in a bare node:http server), every entry took V8's runtime path instead of its optimized code. A cached
 * 20 KB response queues five entries, and `perf` put 1.2 to 1.5 µs of each response in that path. One
 * process then served 22,600 to 26,400 such responses a second, and 31,500 to 34,100 with an entry held
 * (docs/benchmarks.md).
 *
 * A nextTick callback runs with its entry as the execution's async resource, which is how it is reached.
 */
export function holdNextTickShape(): void {
  if (heldEntry !== null) return;
  process.nextTick(() => {
    heldEntry = executionAsyncResource();
  });
}

/** Returns the entry held once the callback has run, for tests. */
export function heldNextTickEntry(): object | null {
  return heldEntry;
}
