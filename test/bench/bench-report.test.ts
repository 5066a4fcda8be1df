import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { combineRounds, type Measurement } from '../../bench/report.js';

function round(server: string, mebibytesPerSecond: number, extra: Partial<Measurement> = {}): Measurement {
  return {
    server,
    size: '20KB',
    connections: 64,
    requestsPerSecond: mebibytesPerSecond * 50,
    mebibytesPerSecond,
    p50Ms: 1,
    p99Ms: 2,
    errors: 0,
    timeouts: 0,
    peakBytes: 100,
    ...extra,
  };
}

describe('combineRounds', () => {
  it('takes medians, ranges, sums and peaks', () => {
    const [vitrail, nginx] = combineRounds([
      round('Vitrail', 900, { p99Ms: 9, errors: 1, peakBytes: 300 }),
      round('nginx', 2000),
      round('Vitrail', 1000, { p99Ms: 3, timeouts: 2 }),
      round('Vitrail', 700, { p99Ms: 5, peakBytes: 200 }),
    ]);

    assert.equal(vitrail?.server, 'Vitrail');
    assert.equal(vitrail?.rounds, 3);
    assert.equal(vitrail?.mebibytesPerSecond, 900);
    assert.equal(vitrail?.requestsPerSecond, 45_000);
    assert.equal(vitrail?.lowestMebibytesPerSecond, 700);
    assert.equal(vitrail?.highestMebibytesPerSecond, 1000);
    assert.equal(vitrail?.p99Ms, 5);
    assert.equal(vitrail?.errors, 1);
    assert.equal(vitrail?.timeouts, 2);
    assert.equal(vitrail?.peakBytes, 300);
    assert.equal(nginx?.rounds, 1);
    assert.equal(nginx?.mebibytesPerSecond, 2000);
  });

  it('averages the two middle rounds of an even count', () => {
    const [combined] = combineRounds([round('nginx', 100), round('nginx', 400), round('nginx', 200), round('nginx', 300)]);
    assert.equal(combined?.mebibytesPerSecond, 250);
  });

  it('keeps sizes and connection counts apart', () => {
    const combined = combineRounds([round('nginx', 100), round('nginx', 200, { connections: 512 }), round('nginx', 300, { size: '200KB' })]);
    assert.deepEqual(
      combined.map((row) => [row.size, row.connections, row.mebibytesPerSecond]),
      [
        ['20KB', 64, 100],
        ['20KB', 512, 200],
        ['200KB', 64, 300],
      ],
    );
  });
});
