import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseWrkReport } from '../../bench/wrk.js';

/** A wrk 4.1 report with `--latency`, shaped as wrk prints it, with made-up numbers. */
const REPORT = `Running 10s test @ http://127.0.0.1:8080/f/big.pdf
  2 threads and 512 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10s     1.20s    9.80s    70.00%
    Req/Sec    60.00     20.00   120.00     65.00%
  Latency Distribution
     50%    1.99s 
     75%    2.80s 
     90%    4.10s 
     99%    9.17s 
  1150 requests in 10.00s, 23.76GB read
  Socket errors: connect 0, read 2, write 1, timeout 14
  Non-2xx or 3xx responses: 3
Requests/sec:    115.00
Transfer/sec:      2.38GB
`;

describe('wrk report', () => {
  it('counts timeouts apart from errors', () => {
    const result = parseWrkReport(REPORT);
    assert.equal(result.errors, 6, 'read, write and non-2xx answers');
    assert.equal(result.timeouts, 14);
  });

  it('reads rates and percentiles', () => {
    const result = parseWrkReport(REPORT);
    assert.equal(result.requestsPerSecond, 115);
    assert.equal(result.mebibytesPerSecond, 2.38 * 1024);
    assert.equal(result.p50Ms, 1990);
    assert.equal(result.p99Ms, 9170);
  });

  it('reads a report without errors', () => {
    const clean = REPORT.replace(/ {2}Socket errors.*\n/, '').replace(/ {2}Non-2xx.*\n/, '');
    const result = parseWrkReport(clean);
    assert.equal(result.errors, 0);
    assert.equal(result.timeouts, 0);
  });
});
