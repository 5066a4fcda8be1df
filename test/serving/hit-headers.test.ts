import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readHitHeaders } from '../../src/serving/hit-headers.js';

describe('readHitHeaders', () => {
  it('finds nothing in a plain request', () => {
    assert.deepEqual(readHitHeaders(['Host', 'example.org', 'User-Agent', 'GoogleImageProxy', 'Accept', '*/*']), {
      credentials: false,
      origin: false,
      conditional: false,
      requestId: undefined,
    });
  });

  it('reads names in any letter case', () => {
    assert.equal(readHitHeaders(['AUTHORIZATION', 'Bearer x']).credentials, true);
    assert.equal(readHitHeaders(['Origin', 'https://example.org']).origin, true);
    assert.equal(readHitHeaders(['x-REQUEST-id', 'mailing-7']).requestId, 'mailing-7');
  });

  it('takes every condition and Range header as conditional', () => {
    for (const name of ['If-Match', 'If-None-Match', 'If-Modified-Since', 'If-Unmodified-Since', 'Range', 'If-Range']) {
      assert.equal(readHitHeaders(['Host', 'a', name, 'x']).conditional, true, name);
    }
    // Names of the same length as those it looks for, but others.
    assert.equal(readHitHeaders(['Rangé', 'x', 'If-Matches', 'x', 'X-Request-Ix', 'y']).conditional, false);
  });

  it('joins a repeated request id', () => {
    // As node:http joins it in request.headers.
    assert.equal(readHitHeaders(['X-Request-Id', 'a', 'x-request-id', 'b']).requestId, 'a, b');
  });

  it('counts an empty header as present', () => {
    assert.equal(readHitHeaders(['Range', '']).conditional, true);
  });
});
