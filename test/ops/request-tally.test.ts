import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { VitrailMetrics } from '../../src/ops/metrics.js';
import { hasSample, sampleValue } from '../support/metrics.js';


/** Counts one request of a series, with its body bytes, as the public path does through a kept counter. */
function count(metrics: VitrailMetrics, method: string, route: string, status: number, bodyBytes: number): void {
  const counter = metrics.publicPathTally.counter(method, route, status);
  counter.count += 1;
  counter.bytes += bodyBytes;
}

describe('RequestTally', () => {
  it('shows tallied requests and bytes in the counters once, beside those counted directly', async () => {
    const metrics = new VitrailMetrics({ usedBytes: async () => 0, freeBytes: async () => 0 });
    metrics.httpRequests.inc({ method: 'GET', route: '/m/:id/*', status: '200' });
    count(metrics, 'GET', '/m/:id/*', 200, 1000);
    count(metrics, 'GET', '/m/:id/*', 200, 500);
    count(metrics, 'HEAD', '/m/:id', 304, 0);

    const first = await metrics.registry.metrics();
    assert.equal(sampleValue(first, 'vitrail_http_requests_total{method="GET",route="/m/:id/*",status="200"}'), 3);
    assert.equal(sampleValue(first, 'vitrail_http_requests_total{method="HEAD",route="/m/:id",status="304"}'), 1);
    assert.equal(sampleValue(first, 'vitrail_http_response_bytes_total{route="/m/:id/*"}'), 1500);
    assert.equal(hasSample(first, 'vitrail_http_response_bytes_total{route="/m/:id"}'), false, 'a response without body adds no bytes');

    count(metrics, 'GET', '/m/:id/*', 206, 10);
    const second = await metrics.registry.metrics();
    assert.equal(sampleValue(second, 'vitrail_http_requests_total{method="GET",route="/m/:id/*",status="200"}'), 3, 'a read adds nothing twice');
    assert.equal(sampleValue(second, 'vitrail_http_requests_total{method="GET",route="/m/:id/*",status="206"}'), 1);
    assert.equal(sampleValue(second, 'vitrail_http_response_bytes_total{route="/m/:id/*"}'), 1510);
  });

  it('keeps counting through a held counter', async () => {
    const metrics = new VitrailMetrics({ usedBytes: async () => 0, freeBytes: async () => 0 });
    const heldCounter = metrics.publicPathTally.counter('GET', '/m/:id', 200);
    heldCounter.count += 2;
    heldCounter.bytes += 100;
    const first = await metrics.registry.metrics();
    assert.equal(sampleValue(first, 'vitrail_http_requests_total{method="GET",route="/m/:id",status="200"}'), 2);
    assert.equal(sampleValue(first, 'vitrail_http_response_bytes_total{route="/m/:id"}'), 100);

    heldCounter.count += 1;
    heldCounter.bytes += 50;
    const second = await metrics.registry.metrics();
    assert.equal(sampleValue(second, 'vitrail_http_requests_total{method="GET",route="/m/:id",status="200"}'), 3);
    assert.equal(sampleValue(second, 'vitrail_http_response_bytes_total{route="/m/:id"}'), 150);
  });
});
