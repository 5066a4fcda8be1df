import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { describeMedia, SANDBOX_POLICY } from '../../src/serving/representation.js';
import { matchesEntityTag, planResponse, type RequestConditions } from '../../src/serving/response-plan.js';

const media = {
  sha256: 'a'.repeat(64),
  size: 1000,
  mime: 'application/pdf',
  name: 'flyer.pdf',
  visibility: 'public' as const,
  created_at: '2026-05-01T10:00:00.000Z',
};
const representation = describeMedia(media);
const etag = `"${'a'.repeat(64)}"`;
const lastModified = 'Fri, 01 May 2026 10:00:00 GMT';
const get = (headers: Omit<RequestConditions, 'method'> = {}): RequestConditions => ({ method: 'GET', ...headers });

describe('planResponse', () => {
  it('answers 200 with the whole body and validators', () => {
    const plan = planResponse(representation, get());
    assert.equal(plan.status, 200);
    assert.deepEqual(plan.body, { start: 0, end: 999 });
    assert.equal(plan.headers.etag, etag);
    assert.equal(plan.headers['last-modified'], lastModified);
    assert.equal(plan.headers['content-length'], '1000');
    assert.equal(plan.headers['accept-ranges'], 'bytes');
  });

  it('gives HEAD the headers of GET and no body', () => {
    const getPlan = planResponse(representation, get({ range: 'bytes=0-9' }));
    const headPlan = planResponse(representation, { method: 'HEAD', range: 'bytes=0-9' });
    assert.deepEqual(headPlan.headers, getPlan.headers);
    assert.equal(headPlan.status, getPlan.status);
    assert.equal(headPlan.body, null);
  });

  it('answers 304 to a matching If-None-Match, weak or strong', () => {
    assert.equal(planResponse(representation, get({ ifNoneMatch: etag })).status, 304);
    assert.equal(planResponse(representation, get({ ifNoneMatch: `W/${etag}` })).status, 304);
    assert.equal(planResponse(representation, get({ ifNoneMatch: `"other", ${etag}` })).status, 304);
    assert.equal(planResponse(representation, get({ ifNoneMatch: '*' })).status, 304);
  });

  it('keeps validators and Cache-Control on 304, without a body', () => {
    const plan = planResponse(representation, get({ ifNoneMatch: etag }));
    assert.equal(plan.headers.etag, etag);
    assert.equal(plan.headers['cache-control'], 'public, max-age=300');
    assert.equal(plan.headers['content-length'], undefined);
    assert.equal(plan.body, null);
  });

  it('answers 200 to a different If-None-Match', () => {
    assert.equal(planResponse(representation, get({ ifNoneMatch: '"other"' })).status, 200);
  });

  it('prefers If-None-Match over If-Modified-Since', () => {
    const plan = planResponse(representation, get({ ifNoneMatch: '"other"', ifModifiedSince: lastModified }));
    assert.equal(plan.status, 200);
  });

  it('answers 304 to If-Modified-Since at or after the last change', () => {
    assert.equal(planResponse(representation, get({ ifModifiedSince: lastModified })).status, 304);
    assert.equal(planResponse(representation, get({ ifModifiedSince: 'Sat, 02 May 2026 10:00:00 GMT' })).status, 304);
    assert.equal(planResponse(representation, get({ ifModifiedSince: 'Thu, 30 Apr 2026 10:00:00 GMT' })).status, 200);
  });

  it('ignores an invalid If-Modified-Since date', () => {
    assert.equal(planResponse(representation, get({ ifModifiedSince: 'yesterday' })).status, 200);
  });

  it('answers 412 to an If-Match that does not match', () => {
    assert.equal(planResponse(representation, get({ ifMatch: '"other"' })).status, 412);
    assert.equal(planResponse(representation, get({ ifMatch: `W/${etag}` })).status, 412);
    assert.equal(planResponse(representation, get({ ifMatch: etag })).status, 200);
    assert.equal(planResponse(representation, get({ ifMatch: '*' })).status, 200);
  });

  it('checks 412 before 304', () => {
    const plan = planResponse(representation, get({ ifMatch: '"other"', ifNoneMatch: etag }));
    assert.equal(plan.status, 412);
  });

  it('answers 412 to If-Unmodified-Since before the last change', () => {
    assert.equal(planResponse(representation, get({ ifUnmodifiedSince: 'Thu, 30 Apr 2026 10:00:00 GMT' })).status, 412);
    assert.equal(planResponse(representation, get({ ifUnmodifiedSince: lastModified })).status, 200);
  });

  it('ignores If-Unmodified-Since when If-Match is present', () => {
    const plan = planResponse(representation, get({ ifMatch: etag, ifUnmodifiedSince: 'Thu, 30 Apr 2026 10:00:00 GMT' }));
    assert.equal(plan.status, 200);
  });

  it('answers 206 with Content-Range to a single range', () => {
    const plan = planResponse(representation, get({ range: 'bytes=100-199' }));
    assert.equal(plan.status, 206);
    assert.equal(plan.headers['content-range'], 'bytes 100-199/1000');
    assert.equal(plan.headers['content-length'], '100');
    assert.deepEqual(plan.body, { start: 100, end: 199 });
  });

  it('serves suffix and open-ended ranges', () => {
    assert.deepEqual(planResponse(representation, get({ range: 'bytes=-10' })).body, { start: 990, end: 999 });
    assert.deepEqual(planResponse(representation, get({ range: 'bytes=990-' })).body, { start: 990, end: 999 });
    assert.deepEqual(planResponse(representation, get({ range: 'bytes=990-5000' })).body, { start: 990, end: 999 });
  });

  it('answers 416 with bytes */LENGTH to an unsatisfiable range', () => {
    const plan = planResponse(representation, get({ range: 'bytes=1000-1100' }));
    assert.equal(plan.status, 416);
    assert.equal(plan.headers['content-range'], 'bytes */1000');
    assert.equal(plan.body, null);
  });

  it('ignores a malformed or non-bytes range', () => {
    assert.equal(planResponse(representation, get({ range: 'items=0-5' })).status, 200);
    assert.equal(planResponse(representation, get({ range: 'bytes=abc' })).status, 200);
  });

  it('answers the whole body to several ranges', () => {
    const plan = planResponse(representation, get({ range: 'bytes=0-9,500-509' }));
    assert.equal(plan.status, 200);
    assert.deepEqual(plan.body, { start: 0, end: 999 });
  });

  it('honours If-Range with the current strong ETag or date only', () => {
    assert.equal(planResponse(representation, get({ range: 'bytes=0-9', ifRange: etag })).status, 206);
    assert.equal(planResponse(representation, get({ range: 'bytes=0-9', ifRange: '"old"' })).status, 200);
    assert.equal(planResponse(representation, get({ range: 'bytes=0-9', ifRange: `W/${etag}` })).status, 200);
    assert.equal(planResponse(representation, get({ range: 'bytes=0-9', ifRange: lastModified })).status, 206);
    assert.equal(planResponse(representation, get({ range: 'bytes=0-9', ifRange: 'Thu, 30 Apr 2026 10:00:00 GMT' })).status, 200);
  });

  it('sends no body for an empty representation', () => {
    const empty = describeMedia({ ...media, size: 0 });
    const plan = planResponse(empty, get());
    assert.equal(plan.status, 200);
    assert.equal(plan.headers['content-length'], '0');
    assert.equal(plan.body, null);
  });
});

describe('matchesEntityTag', () => {
  it('refuses weak tags in strong comparison', () => {
    assert.equal(matchesEntityTag('W/"x"', '"x"', 'strong'), false);
    assert.equal(matchesEntityTag('W/"x"', '"x"', 'weak'), true);
  });
});

describe('describeMedia', () => {
  it('serves PDF inline without a sandbox', () => {
    assert.equal(representation.headers['content-disposition'], 'inline; filename="flyer.pdf"');
    assert.equal(representation.headers['content-security-policy'], undefined);
    assert.equal(representation.headers['x-content-type-options'], 'nosniff');
  });

  it('sandboxes SVG and keeps it inline', () => {
    const svg = describeMedia({ ...media, mime: 'image/svg+xml', name: 'logo.svg' });
    assert.equal(svg.headers['content-security-policy'], SANDBOX_POLICY);
    assert.match(svg.headers['content-disposition'] ?? '', /^inline/);
  });

  it('sends office documents as sandboxed attachments', () => {
    const docx = describeMedia({
      ...media,
      mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      name: 'compte-rendu.docx',
    });
    assert.match(docx.headers['content-disposition'] ?? '', /^attachment/);
    assert.equal(docx.headers['content-security-policy'], SANDBOX_POLICY);
  });

  it('gives a non-ASCII name an ASCII fallback and filename*', () => {
    const french = describeMedia({ ...media, name: 'Fête été.pdf' });
    assert.equal(french.headers['content-disposition'], `inline; filename="Fete ete.pdf"; filename*=UTF-8''F%C3%AAte%20%C3%A9t%C3%A9.pdf`);
  });

  it('marks private media as not for shared caches', () => {
    const secret = describeMedia({ ...media, visibility: 'private' });
    assert.equal(secret.headers['cache-control'], 'private, no-cache');
  });
});
