import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { WorkPool } from '../../src/images/work-pool.js';

describe('WorkPool', () => {
  it('runs at most its concurrency at once and queues the rest in order', async () => {
    const pool = new WorkPool(2);
    let active = 0;
    let highest = 0;
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const tasks = [0, 1, 2, 3, 4].map((index) =>
      pool.run(async () => {
        started.push(index);
        active += 1;
        highest = Math.max(highest, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        active -= 1;
        return index;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1]);
    assert.equal(pool.queued, 3);
    while (releases.length > 0 || started.length < 5) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(await Promise.all(tasks), [0, 1, 2, 3, 4]);
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.equal(highest, 2);
    assert.equal(pool.active, 0);
  });

  it('frees the slot of a task that fails', async () => {
    const pool = new WorkPool(1);
    await assert.rejects(pool.run(async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await pool.run(async () => 'next'), 'next');
    assert.equal(pool.active, 0);
  });

  it('refuses a concurrency below 1', () => {
    assert.throws(() => new WorkPool(0), RangeError);
  });
});
