import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { heldNextTickEntry, holdNextTickShape } from '../../src/ops/next-tick-shape.js';

describe('holdNextTickShape', () => {
  it("holds an entry of Node's nextTick queue", async () => {
    holdNextTickShape();
    await new Promise((resolve) => setImmediate(resolve));
    const entry = heldNextTickEntry() as { callback?: unknown; args?: unknown } | null;
    assert.ok(entry !== null, 'an entry is held');
    // The shape Node gives its queue entries: the callback and its arguments, keyed by async id symbols.
    assert.equal(typeof entry.callback, 'function');
    assert.ok('args' in entry);
    assert.ok(Object.getOwnPropertySymbols(entry).length >= 2, 'the async id symbols');

    holdNextTickShape();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(heldNextTickEntry(), entry, 'a second call keeps the first entry');
  });
});
